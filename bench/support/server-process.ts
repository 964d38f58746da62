/**
 * A modelgate server in its own process for the registry benchmark and the
 * crash test: prints its URL on stdout once listening, so the parent can
 * measure this process (RSS) or kill it mid-upload.
 * Usage: node bench/support/server-process.ts DATA_DIR
 */
import { loadConfig } from '../../src/config/load.ts';
import { startServer } from '../../src/app/server.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: server-process.ts DATA_DIR');
  process.exit(2);
}
const config = loadConfig({ env: {}, flags: { dataDir, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } } });
const server = await startServer(config, { handleSignals: true });
process.stdout.write(`${server.url}\n`);
