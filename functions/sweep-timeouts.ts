import { sweepTimeouts } from '../lib/tuner/timeouts';
import { getDeps, getLogger } from '../lib/wiring';

/** Scheduled (every minute): runs past their metric deadline become timed_out. */
export const handler = async (): Promise<{ timedOut: number }> => {
  const result = await sweepTimeouts(getDeps());
  if (result.timedOut > 0) getLogger().info('timed out silent runs', result);
  return result;
};
