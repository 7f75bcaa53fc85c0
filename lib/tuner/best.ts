/**
 * The study's best run, kept on the study item by conditional updates. A completion offers its run;
 * a read of the study offers the best completed run it loaded, which repairs a best that a completion
 * stored its run for but failed to offer (and whose trainer never retried).
 */
import { toMinimized, type Run } from '../domain/types';
import { makeEvent, type TunerEvent } from '../events/types';
import { orderParams } from '../space/transform';
import type { StoredStudy } from '../store/store';
import { isoAt, type TunerDeps } from './deps';

/** Records a completed run as the study's best if it beats it; the BestImproved event when it did. */
export async function offerBest(deps: TunerDeps, study: StoredStudy, run: Run, now: number): Promise<TunerEvent[]> {
  const best = { runId: run.runId, number: run.number, params: orderParams(study.space, run.params), value: run.value as number };
  const { improved, previous } = await deps.store.offerBest(study.studyId, best, study.direction, isoAt(now));
  if (!improved) return [];
  const data = { value: best.value, params: best.params, previous: previous ? { runId: previous.runId, number: previous.number, value: previous.value } : null };
  return [makeEvent('BestImproved', study.studyId, { runId: run.runId, number: run.number, at: new Date(now), data })];
}

/** The completed run with the best value (the earliest among equals), if any. */
export function bestCompleted(runs: readonly Run[], study: Pick<StoredStudy, 'direction'>): Run | undefined {
  let best: Run | undefined;
  for (const r of runs) {
    if (r.state !== 'completed' || typeof r.value !== 'number') continue;
    if (!best || toMinimized(r.value, study.direction) < toMinimized(best.value as number, study.direction)) best = r;
  }
  return best;
}
