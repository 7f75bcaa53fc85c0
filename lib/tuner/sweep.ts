/**
 * The scheduled sweep (every minute in AWS, on a timer in local mode): timeouts, then unfinished
 * deletions. A failure in one study, or in one of the two parts, does not stop the rest: a study
 * whose items fail every time must not hold back every other study's timeouts or deletion. The
 * failures are counted and logged; the handler then fails the invocation, so the errors alarm sees it.
 */
import { finishDeletions } from './deletions';
import { logFailure, type TunerDeps } from './deps';
import { sweepTimeouts } from './timeouts';

export interface SweepResult {
  timedOut: number;
  deletionsFinished: number;
  deletionsPending: number;
  /** Studies (or whole parts) that failed in this sweep; they are tried again on the next one. */
  failed: number;
}

export async function sweep(deps: TunerDeps): Promise<SweepResult> {
  let failed = 0;
  const part = async <T>(name: string, run: () => Promise<T & { failed: number }>, none: T): Promise<T> => {
    try {
      const r = await run();
      failed += r.failed;
      return r;
    } catch (err) {
      failed++;
      logFailure(deps, `sweep: ${name} failed`, err);
      return none;
    }
  };
  const { timedOut } = await part('timeouts', () => sweepTimeouts(deps), { timedOut: 0 });
  const { finished, pending } = await part('deletions', () => finishDeletions(deps), { finished: 0, pending: 0 });
  return { timedOut, deletionsFinished: finished, deletionsPending: pending, failed };
}
