/** Files for tests: a scratch directory removed after the test file, and numbered files written into it. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface ScratchFiles {
  readonly dir: string;
  /** Writes `content` to a new file (`f0.csv`, `f1.csv`, …) and returns its path. */
  file(content: string): Promise<string>;
}

export async function scratchFiles(prefix: string): Promise<ScratchFiles> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  let files = 0;
  return {
    dir,
    async file(content) {
      const path = join(dir, `f${files++}.csv`);
      await writeFile(path, content);
      return path;
    },
  };
}
