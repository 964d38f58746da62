/**
 * Runs the real `modelgate` CLI as a child process for the cli-*.test.ts
 * files: a clean environment (no MODELGATE_* from the caller), the given
 * user, and the exit code, stdout and stderr back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MAIN = join(ROOT, 'src/cli/main.ts');
export const FIXTURES = join(ROOT, 'fixtures/models');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Acts as this user (MODELGATE_USER). */
  readonly user?: string;
  readonly env?: Readonly<Record<string, string>>;
}

function cleanEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MODELGATE_')) env[k] = v;
  return { ...env, ...extra };
}

export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env = cleanEnv({ ...(options.user ? { MODELGATE_USER: options.user } : {}), MODELGATE_LOG_LEVEL: 'warn', ...options.env });
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs, expects exit 0, parses stdout as JSON. */
export async function cliJson<T = unknown>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  const r = await cli([...args, '--json'], options);
  if (r.code !== 0) throw new Error(`modelgate ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
