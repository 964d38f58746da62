/** Worker-thread side of driftOutcomeInThread: one outcome, posted back. */
import { parentPort, workerData } from 'node:worker_threads';
import { isModelgateError } from '../lib/errors.ts';
import { driftOutcome, type DriftInput, type DriftWorkerReply } from './drift-outcome.ts';

let reply: DriftWorkerReply;
try {
  reply = { kind: 'done', outcome: driftOutcome(workerData as DriftInput) };
} catch (err) {
  reply = isModelgateError(err) ? { kind: 'failed', code: err.code, context: err.context } : { kind: 'crashed', error: err };
}
parentPort!.postMessage(reply);
