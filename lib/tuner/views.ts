/** The JSON shapes the API returns for studies and runs (the contract: fields are added, never renamed). */
import { RUN_STATES, type Run, type RunState } from '../domain/types';
import { spaceToJson } from '../space/spec';
import { orderParams } from '../space/transform';
import type { StoredStudy } from '../store/store';

export function studyView(study: StoredStudy, runs?: readonly Run[]) {
  const view: Record<string, unknown> = {
    studyId: study.studyId,
    name: study.name,
    direction: study.direction,
    space: spaceToJson(study.space),
    strategy: { name: study.strategy.name, seed: study.strategy.seed, ...study.strategy.options },
    pruner: { name: study.pruner.name, ...study.pruner.options },
    maxRuns: study.maxRuns ?? null,
    metricTimeoutSeconds: study.metricTimeoutSeconds,
    retryFailed: study.retryFailed,
    state: study.state,
    createdAt: study.createdAt,
    updatedAt: study.updatedAt,
    best: study.best ? { ...study.best, params: orderParams(study.space, study.best.params) } : null,
    runStates: RUN_STATES,
  };
  if (study.priorCount > 0) view.warmStartRuns = study.priorCount;
  if (runs) view.counts = countByState(runs);
  return view;
}

export function countByState(runs: readonly Run[]): Record<RunState, number> {
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as Record<RunState, number>;
  for (const r of runs) counts[r.state]++;
  return counts;
}

export function runView(run: Run, study: Pick<StoredStudy, 'space'>) {
  return { ...run, params: orderParams(study.space, run.params) };
}
