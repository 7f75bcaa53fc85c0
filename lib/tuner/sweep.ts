/** The scheduled sweep (every minute in AWS, on a timer in local mode): timeouts, then unfinished deletions. */
import { finishDeletions } from './deletions';
import type { TunerDeps } from './deps';
import { sweepTimeouts } from './timeouts';

export interface SweepResult {
  timedOut: number;
  deletionsFinished: number;
  deletionsPending: number;
}

export async function sweep(deps: TunerDeps): Promise<SweepResult> {
  const { timedOut } = await sweepTimeouts(deps);
  const { finished, pending } = await finishDeletions(deps);
  return { timedOut, deletionsFinished: finished, deletionsPending: pending };
}
