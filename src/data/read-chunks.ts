/**
 * Reads a file as UTF-8 text chunks, reporting bytes read, so that readers
 * never hold a whole file and long reads can show progress.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { fail } from '../lib/errors.ts';

export async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) fail('MG_DATA_UNREADABLE', { file, detail: 'not a regular file' });
    return info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('MG_DATA_UNREADABLE', { file, detail: 'no such file' }, { cause: err });
    if (code !== undefined) fail('MG_DATA_UNREADABLE', { file, detail: code }, { cause: err });
    throw err;
  }
}

export async function* readChunks(file: string, onBytes?: (bytesRead: number, totalBytes: number) => void): AsyncGenerator<string> {
  const total = await fileSize(file);
  const decoder = new StringDecoder('utf8');
  let read = 0;
  let first = true;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      read += bytes.length;
      let text = decoder.write(bytes);
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      onBytes?.(read, total);
      yield text;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) fail('MG_DATA_UNREADABLE', { file, detail: code }, { cause: err });
    throw err;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
