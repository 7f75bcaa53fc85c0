import { sweep, type SweepResult } from '../lib/tuner/sweep';
import { getDeps, getLogger } from '../lib/wiring';

/** Scheduled (every minute): times out silent runs, and finishes deletions a DELETE left unfinished. */
export const handler = async (): Promise<SweepResult> => {
  const result = await sweep(getDeps());
  if (result.timedOut > 0 || result.deletionsFinished > 0 || result.deletionsPending > 0) getLogger().info('sweep', { ...result });
  return result;
};
