/**
 * The `modelgate` command line. Commands live one group per file; this
 * entry wires them into commander, holds the global options, and turns
 * failures into exit codes: 0 success, 1 a failed check or a registry or
 * server error, 2 a usage error (unknown option, missing argument, bad value).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isModelgateError, type ErrorCode } from '../lib/errors.ts';
import { registerAliasCommands } from './alias.ts';
import { registerApproveCommand } from './approve.ts';
import { registerAuditCommands } from './audit.ts';
import { registerComplianceCommand } from './compliance.ts';
import { registerConfigCommands } from './config.ts';
import { registerDataCommands } from './data.ts';
import { registerDemoCommand } from './demo.ts';
import { registerDeployCommand } from './deploy.ts';
import { registerEvaluateCommand } from './evaluate.ts';
import { registerGcCommand } from './gc.ts';
import { registerHistoryCommand } from './history.ts';
import { registerKeyCommands } from './keys.ts';
import { registerModelCommands } from './models.ts';
import { registerPredictionCommands } from './predictions.ts';
import { registerRollbackCommand } from './rollback.ts';
import { registerRolloutCommands } from './rollout.ts';
import { registerServeCommand } from './serve.ts';
import { registerStatusCommand } from './status.ts';
import { registerVersionCommands } from './versions.ts';

/** Errors about how the command was written rather than what it asked for. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MG_USAGE', 'MG_CONFIG_INVALID', 'MG_CONFIG_FILE_UNREADABLE', 'MG_FILE_NOT_FOUND',
]);

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('modelgate')
    .description('Register, gate, roll out and watch machine-learning models.')
    .version(packageVersion(), '-V, --version', 'print the modelgate version')
    .option('--url <url>', 'talk to a modelgate server (default: MODELGATE_URL; unset: work on --data-dir)')
    .option('--data-dir <dir>', 'local data directory (default: ./.modelgate)')
    .option('--config <file>', 'YAML configuration file (default: MODELGATE_CONFIG)')
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError(false)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`${text.trim().split('\n')[0]} (see --help)\n`),
    })
    .addHelpText('after', `
Exit codes: 0 success, 1 failed check or registry/server error, 2 usage error.

Examples:
  modelgate versions register fraud model.onnx --train-data train.csv --metric auc=0.93
  modelgate alias set fraud staging 1
  MODELGATE_URL=http://localhost:8080 modelgate versions list fraud --json`);

  registerModelCommands(program);
  registerVersionCommands(program);
  registerAliasCommands(program);
  registerApproveCommand(program);
  registerHistoryCommand(program);
  registerEvaluateCommand(program);
  registerDataCommands(program);
  registerGcCommand(program);
  registerDeployCommand(program);
  registerRolloutCommands(program);
  registerRollbackCommand(program);
  registerKeyCommands(program);
  registerAuditCommands(program);
  registerComplianceCommand(program);
  registerConfigCommands(program);
  registerStatusCommand(program);
  registerPredictionCommands(program);
  registerServeCommand(program);
  registerDemoCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code; messages go to stderr. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (isModelgateError(err)) {
      process.stderr.write(`error: ${err.message} (${err.code})\n`);
      return USAGE_CODES.has(err.code) ? 2 : 1;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  // A reader that stops early (`| head`) closes the pipe: that ends the output, not in a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await run(process.argv.slice(2));
}
