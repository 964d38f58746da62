/**
 * HTTPS from `server.tlsCert` and `server.tlsKey` (PEM files). Both or
 * neither: one without the other is a configuration error, as is a file that
 * cannot be read (the key's content is never put in a message).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/load.ts';
import { ModelgateError, fail } from '../lib/errors.ts';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ModelgateError('MG_CONFIG_INVALID', { key, detail: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }, { cause: err });
  }
}

/** The certificate and key to serve HTTPS with, or undefined for plain HTTP. */
export function tlsFromConfig(config: Config): TlsFiles | undefined {
  const { tlsCert, tlsKey } = config.server;
  if (tlsCert === undefined && tlsKey === undefined) return undefined;
  if (tlsCert === undefined || tlsKey === undefined) {
    fail('MG_CONFIG_INVALID', { key: tlsCert === undefined ? 'server.tlsCert' : 'server.tlsKey', detail: 'HTTPS needs both server.tlsCert and server.tlsKey' });
  }
  return { cert: read(tlsCert, 'server.tlsCert'), key: read(tlsKey, 'server.tlsKey') };
}
