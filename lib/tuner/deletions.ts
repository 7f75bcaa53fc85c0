/**
 * Deletions a DELETE could not finish in its own time (a study with a hundred thousand metrics, or a
 * request that crashed), and the priors of creates that died before their study was written: the
 * scheduled sweep goes on with them, within its budget.
 */
import { SWEEP_DELETIONS_BUDGET_MS } from './defaults';
import { publishSafely } from '../events/publisher';
import { makeEvent } from '../events/types';
import { logFailure, type TunerDeps } from './deps';

export async function finishDeletions(deps: TunerDeps, budgetMs = SWEEP_DELETIONS_BUDGET_MS): Promise<{ finished: number; pending: number; failed: number }> {
  const deadline = Date.now() + budgetMs;
  const pending = await deps.store.pendingDeletions(100, deps.clock());
  let finished = 0;
  let failed = 0;
  for (const studyId of pending) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      const r = await deps.store.finishDeletion(studyId, left, deps.clock());
      if (r.finished) finished++;
      // The DELETE that asked for it died before deleting the study item; it is deleted now.
      if (r.deletedStudy) await publishSafely(deps.events, [makeEvent('StudyDeleted', studyId)], deps.logger);
    } catch (err) {
      failed++;
      logFailure(deps, 'sweep: a deletion failed', err, { studyId });
    }
  }
  return { finished, pending: pending.length - finished, failed };
}
