/**
 * Secrets given as configuration values: the value itself (best taken from
 * the environment), or `file:PATH` naming a file that holds it (a mounted
 * Kubernetes or Docker secret), so a secret never has to sit in a config file
 * kept in Git. A trailing newline in the file is not part of the secret.
 */
import { readFileSync } from 'node:fs';
import { ModelgateError } from '../lib/errors.ts';

/** The secret a config value names; MG_CONFIG_INVALID naming `key` (never the value) when its file cannot be read. */
export function readSecret(value: string | undefined, key: string): string | undefined {
  if (value === undefined || !value.startsWith('file:')) return value;
  const path = value.slice(5);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelgateError('MG_CONFIG_INVALID', { key, detail: `cannot read the secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }, { cause: err });
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new ModelgateError('MG_CONFIG_INVALID', { key, detail: `the secret file ${path} is empty` });
  return secret;
}
