/** What every study must satisfy as a client reads it, after any workload (the workload tests' common checks). */
import { expect } from 'vitest';

/** The drawn settings of a workload's study. */
export interface WorkloadStudy {
  strategy: string;
  pruner: string;
  retryFailed: number;
  maxRuns?: number;
}

/** The create body of a workload's study. */
export function workloadStudyBody(name: string, space: unknown, w: WorkloadStudy, metricTimeoutSeconds: number) {
  return {
    name,
    space,
    strategy: { name: w.strategy },
    pruner: { name: w.pruner },
    metricTimeoutSeconds,
    retryFailed: w.retryFailed,
    ...(w.maxRuns !== undefined ? { maxRuns: w.maxRuns } : {}),
  };
}

/**
 * Run numbers dense from 0 and run ids unique, `maxRuns` kept, the study's counts by state matching
 * its runs, every completion a trainer was answered still stored with its value, and the best (a
 * minimize study) the lowest completed value.
 */
export function expectConsistentStudy(study: any, runs: any[], o: { maxRuns?: number; completedWith: ReadonlyMap<string, number> }): void {
  expect(runs.map((r) => r.number)).toEqual(runs.map((_, i) => i));
  expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length);
  if (o.maxRuns !== undefined) expect(runs.length).toBeLessThanOrEqual(o.maxRuns);
  const counts: Record<string, number> = { running: 0, completed: 0, failed: 0, pruned: 0, timed_out: 0 };
  for (const r of runs) counts[r.state]++;
  expect(study.counts).toEqual(counts);
  for (const [runId, value] of o.completedWith) expect(runs.find((r) => r.runId === runId)).toMatchObject({ state: 'completed', value });
  const completed = runs.filter((r) => r.state === 'completed');
  if (completed.length > 0) expect(study.best.value).toBe(Math.min(...completed.map((r) => r.value)));
  else expect(study.best ?? null).toBeNull();
}
