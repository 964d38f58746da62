/**
 * Connections of their own (outside the pool) for sessions that must stay
 * open: a LISTEN channel, a lease's advisory lock.
 */
import pg from 'pg';

export function dedicatedClient(url: string, name: string): pg.Client {
  return new pg.Client({ connectionString: url, application_name: name, keepAlive: true });
}

/** Ends a client whose events nobody follows any more; a late error on it is ignored. */
export async function endQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
}
