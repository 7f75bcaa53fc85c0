import { sweep, type SweepResult } from '../lib/tuner/sweep';
import { getDeps, getLogger } from '../lib/wiring';

/**
 * Scheduled (every minute): times out silent runs, and finishes deletions a DELETE left unfinished.
 * What failed was logged and is tried again next minute; the invocation then fails, so the function's
 * errors alarm sees a sweeper that keeps failing. The stack sets Lambda's async retries to 0: the next
 * scheduled run is the retry.
 */
export const handler = async (): Promise<SweepResult> => {
  const result = await sweep(getDeps());
  if (result.timedOut > 0 || result.deletionsFinished > 0 || result.deletionsPending > 0 || result.failed > 0) getLogger().info('sweep', { ...result });
  if (result.failed > 0) throw new Error(`sweep: ${result.failed} part(s) failed (logged above); the next sweep tries them again`);
  return result;
};
