/**
 * Metric timeouts: a run whose trainer went silent past its deadline becomes `timed_out`. The scheduled
 * sweeper does it in AWS; every read of a study and every ask does it lazily too, so local mode and a
 * sweeper outage behave the same. The transition is conditional on the run still being overdue, so the
 * sweeper and a lazy reader racing publish one RunTimedOut.
 */
import type { Run } from '../domain/types';
import { publishSafely } from '../events/publisher';
import { makeEvent, type TunerEvent } from '../events/types';
import { isoAt, logFailure, type TunerDeps } from './deps';

const ORPHAN_SWEEP_BUDGET_MS = 5_000;

/** Times out the overdue runs among `runs` (updating the array in place) and publishes the events. */
export async function expireOverdue(deps: TunerDeps, studyId: string, runs: Run[]): Promise<number> {
  const now = deps.clock();
  const overdue = runs.filter((r) => r.state === 'running' && r.deadline !== undefined && r.deadline < now);
  if (overdue.length === 0) return 0;
  const events: TunerEvent[] = [];
  // Settled, not all: when one transition fails, the others still happen, and their events must go out
  // before the failure is passed on (nobody would announce those runs later).
  const outcomes = await Promise.allSettled(
    overdue.map(async (r) => {
      const res = await deps.store.transitionRun(
        studyId,
        r.number,
        ['running'],
        { state: 'timed_out', updatedAt: isoAt(now), finishedAt: isoAt(now) },
        { deadlineBefore: now },
      );
      if (res.run) runs[runs.indexOf(r)] = res.run;
      if (res.ok) {
        // The run as it timed out, not as first read: a report may have moved its deadline and step since.
        const { deadline, lastStep } = res.run;
        events.push(
          makeEvent('RunTimedOut', studyId, {
            runId: r.runId,
            number: r.number,
            at: new Date(now),
            data: { deadline: isoAt((deadline ?? r.deadline) as number), ...(lastStep !== undefined ? { lastStep } : {}) },
          }),
        );
      }
    }),
  );
  await publishSafely(deps.events, events, deps.logger);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  return events.length;
}

/** The scheduled sweep: every overdue run of every study, a page at a time. */
export async function sweepTimeouts(deps: TunerDeps, maxRuns = 1000): Promise<{ timedOut: number; failed: number }> {
  const overdue = await deps.store.listOverdueRuns(deps.clock(), maxRuns);
  const byStudy = new Map<string, number[]>();
  for (const o of overdue) byStudy.set(o.studyId, [...(byStudy.get(o.studyId) ?? []), o.number]);
  let timedOut = 0;
  let failed = 0;
  for (const [studyId, numbers] of byStudy) {
    try {
      // An ask that raced a DELETE can write its run after the study's sweep: no study, nothing to time
      // out or announce. Its runs are swept away like the rest of the study.
      if (!(await deps.store.getStudy(studyId))) {
        await deps.store.finishDeletion(studyId, ORPHAN_SWEEP_BUDGET_MS, deps.clock());
        continue;
      }
      const runs = (await Promise.all(numbers.map((n) => deps.store.getRunByNumber(studyId, n)))).filter((r): r is Run => !!r);
      timedOut += await expireOverdue(deps, studyId, runs);
    } catch (err) {
      failed++;
      logFailure(deps, 'sweep: timing out a study\'s runs failed', err, { studyId });
    }
  }
  return { timedOut, failed };
}
