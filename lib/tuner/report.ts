/**
 * What trainers report about a run: intermediate metrics (answered with the pruner's decision),
 * heartbeats, and completion. Every state change is a conditional write on the run, so two trainers
 * reporting the same run at once get one result; repeats of the same report get the same answer.
 *
 * A run that timed out still has its late reports recorded and may still complete: nothing is lost.
 */
import type { Run } from '../domain/types';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { publishSafely } from '../events/publisher';
import { makeEvent, type TunerEvent } from '../events/types';
import type { CompleteInput } from '../http/schemas';
import type { PruneDecision, StepValue } from '../pruners/pruner';
import { getPruner } from '../pruners/registry';
import { canonicalParams, paramsProblems, orderParams } from '../space/transform';
import type { StoredStudy } from '../store/store';
import { offerBest } from './best';
import { deadlineAfter, isoAt, type TunerDeps } from './deps';
import { bodyFingerprint, keyReused, once } from './idempotency';
import { requireStudy } from './studies';
import { runView } from './views';

async function studyAndRun(deps: TunerDeps, studyId: string, runId: string): Promise<[StoredStudy, Run]> {
  const [study, run] = await Promise.all([requireStudy(deps, studyId), deps.store.getRun(studyId, runId)]);
  if (!run) throw new NotFoundError('RunNotFound', `run ${runId} does not exist in study ${studyId}`);
  return [study, run];
}

export async function reportMetric(deps: TunerDeps, input: { studyId: string; runId: string; step: number; value: number }) {
  const [study, run] = await studyAndRun(deps, input.studyId, input.runId);
  if (run.state === 'completed' || run.state === 'failed') {
    throw new ConflictError('RunNotRunning', `run ${run.runId} is ${run.state}: metrics are accepted while it runs`, { state: run.state });
  }
  const now = deps.clock();
  const stored = await deps.store.putMetric(study.studyId, run.number, input.step, input.value, isoAt(now));
  if (stored.kind === 'conflict') {
    throw new ConflictError(
      'MetricConflict',
      `step ${input.step} of run ${run.runId} was already reported with value ${stored.stored}`,
      { step: input.step, stored: stored.stored, sent: input.value },
    );
  }
  const events: TunerEvent[] = [];
  const at = new Date(now);
  let current = run;
  if (run.state === 'running' || run.state === 'timed_out') {
    const newest = run.lastStep === undefined || input.step >= run.lastStep;
    const set: Partial<Run> = { updatedAt: isoAt(now), ...(newest ? { lastStep: input.step, lastValue: input.value } : {}) };
    // Only a running run has a deadline to move; a timed-out one just has its late report recorded.
    if (run.state === 'running') set.deadline = deadlineAfter(now, study.metricTimeoutSeconds);
    let moved = await deps.store.transitionRun(study.studyId, run.number, [run.state], set);
    if (!moved.ok && newest && moved.run?.state === run.state) {
      // A later step of this run was recorded meanwhile (reports handled out of order): it stays the last
      // step, and this report still moves the deadline.
      const { lastStep: _s, lastValue: _v, ...rest } = set;
      moved = await deps.store.transitionRun(study.studyId, run.number, [run.state], rest);
    }
    if (!moved.run) throw runGone(study.studyId, run.runId);
    current = moved.run;
  }
  let decision: PruneDecision = { prune: current.state === 'pruned' };
  if (current.state === 'running') {
    decision = await decidePrune(deps, study, current, input.step, input.value);
    if (decision.prune) {
      const pruned = await deps.store.transitionRun(study.studyId, run.number, ['running'], {
        state: 'pruned',
        value: input.value,
        failReason: decision.reason,
        updatedAt: isoAt(now),
        finishedAt: isoAt(now),
      });
      if (pruned.ok) {
        events.push(
          makeEvent('RunPruned', study.studyId, { runId: run.runId, number: run.number, at, data: { step: input.step, value: input.value, reason: decision.reason ?? '' } }),
        );
      } else {
        decision = { prune: pruned.run?.state === 'pruned' };
      }
    }
  }
  if (stored.kind === 'stored') {
    events.unshift(
      makeEvent('MetricReported', study.studyId, { runId: run.runId, number: run.number, at, data: { step: input.step, value: input.value, prune: decision.prune } }),
    );
  }
  await publishSafely(deps.events, events, deps.logger);
  return { prune: decision.prune, ...(decision.reason && decision.prune ? { reason: decision.reason } : {}) };
}

async function decidePrune(deps: TunerDeps, study: StoredStudy, run: Run, step: number, value: number): Promise<PruneDecision> {
  const pruner = getPruner(study.pruner.name);
  const options = study.pruner.options;
  if (pruner.name === 'none') return { prune: false };
  const curve = await deps.store.getCurve(study.studyId, run.number);
  curve.set(step, value);
  // Counting finished runs costs a query: only at a step where the pruner would decide at all.
  const decides = pruner.stepsToLoad({ step, options, curve }).length > 0;
  const needed = pruner.startupRuns(options);
  const finishedRuns = decides ? await finishedRunsFor(deps, study, needed) : needed;
  const steps = decides ? pruner.stepsToLoad({ step, options, curve, finishedRuns }) : [];
  const others = new Map<number, StepValue[]>();
  if (steps.length > 0) {
    for (const [s, values] of await deps.store.valuesAtSteps(study.studyId, steps)) {
      others.set(s, values.filter((v) => v.number !== run.number));
    }
  }
  return pruner.decide({ direction: study.direction, options, run: { number: run.number, step, value, curve }, others, finishedRuns });
}

/**
 * The study's finished runs, counted from its runs up to `needed` (what the pruner's startup threshold
 * asks for), once: when the threshold is reached the study records it, and later reports skip the count.
 */
async function finishedRunsFor(deps: TunerDeps, study: StoredStudy, needed: number): Promise<number> {
  if (needed <= 0 || study.prunerStarted) return needed;
  const finished = await deps.store.countFinishedRuns(study.studyId, needed);
  if (finished >= needed) await deps.store.markPrunerStarted(study.studyId);
  return finished;
}

const runGone = (studyId: string, runId: string) => new NotFoundError('RunNotFound', `run ${runId} does not exist in study ${studyId}`);

/** Proof of life without a metric: moves the deadline of a running run. */
export async function heartbeat(deps: TunerDeps, input: { studyId: string; runId: string }) {
  const [study, run] = await studyAndRun(deps, input.studyId, input.runId);
  if (run.state !== 'running') return { runId: run.runId, state: run.state, deadline: run.deadline ?? null };
  const now = deps.clock();
  const res = await deps.store.transitionRun(study.studyId, run.number, ['running'], { deadline: deadlineAfter(now, study.metricTimeoutSeconds), updatedAt: isoAt(now) });
  if (!res.run) throw runGone(study.studyId, run.runId);
  const current = res.run;
  return { runId: current.runId, state: current.state, deadline: current.deadline ?? null };
}

export async function completeRun(deps: TunerDeps, input: { studyId: string; runId: string; body: CompleteInput }) {
  const [study, run] = await studyAndRun(deps, input.studyId, input.runId);
  const now = deps.clock();
  const at = new Date(now);
  const failed = 'status' in input.body && input.body.status === 'failed';
  const value = failed ? undefined : (input.body as { value: number }).value;
  const reason = failed ? (input.body as { reason?: string }).reason : undefined;

  const res = await deps.store.transitionRun(
    study.studyId,
    run.number,
    ['running', 'timed_out'],
    failed
      ? { state: 'failed', failReason: reason, updatedAt: isoAt(now), finishedAt: isoAt(now) }
      : { state: 'completed', value, updatedAt: isoAt(now), finishedAt: isoAt(now) },
  );
  if (!res.ok) {
    // Deleted with its study since it was read (a DELETE raced this request).
    if (!res.run) throw runGone(study.studyId, run.runId);
    const current = res.run;
    const answer = repeatedCompletion(study, current, failed, value);
    // The first attempt stored the run and may have died before offering it as best (a throttled
    // update, a timeout): a repeat offers it again.
    if (current.state === 'completed') await publishSafely(deps.events, await offerBest(deps, study, current, now), deps.logger);
    return answer;
  }

  const events: TunerEvent[] = [];
  if (failed) {
    events.push(makeEvent('RunFailed', study.studyId, { runId: run.runId, number: run.number, at, data: reason ? { reason } : {} }));
  } else {
    events.push(makeEvent('RunCompleted', study.studyId, { runId: run.runId, number: run.number, at, data: { value } }));
    events.push(...(await offerBest(deps, study, res.run, now)));
  }
  await publishSafely(deps.events, events, deps.logger);
  return runView(res.run, study);
}

/** A completion that found the run already finished: the same answer for a repeat, 409 otherwise. */
function repeatedCompletion(study: StoredStudy, current: Run, failed: boolean, value: number | undefined) {
  if (!failed && current.state === 'completed' && current.value === value) return runView(current, study);
  if (failed && current.state === 'failed') return runView(current, study);
  if (current.state === 'completed') {
    throw new ConflictError('RunAlreadyCompleted', `run ${current.runId} already completed with value ${current.value}`, { state: current.state, value: current.value });
  }
  throw new ConflictError('RunNotRunning', `run ${current.runId} is ${current.state} and can no longer be completed`, { state: current.state });
}

/**
 * Fixed params handed out before strategy proposals, each exactly once, in order. A list goes in all
 * or nothing; with an Idempotency-Key a retried call returns the first one's entries instead of
 * queueing the list again. A stopped study takes no new entries (409 StudyStopped): nothing would
 * ever hand them out.
 */
export async function enqueue(deps: TunerDeps, input: { studyId: string; params: Record<string, unknown>[]; requestId?: string }) {
  const study = await requireStudy(deps, input.studyId);
  const problems = input.params.flatMap((p, i) => paramsProblems(study.space, p, input.params.length === 1 ? 'params' : `params.${i}`));
  if (problems.length) throw new ValidationError(problems);
  const ordered = input.params.map((p) => canonicalParams(study.space, p as Run['params']));
  const answer = (entries: readonly { seq: number; params: Run['params'] }[]) => ({
    studyId: study.studyId,
    // DynamoDB does not promise a stored map's key order: answers list params in the space's order.
    enqueued: entries.map((e) => ({ seq: e.seq, params: orderParams(study.space, e.params) })),
  });
  const write = async () => {
    // Checked here, where entries would be written, not before the key: a repeat of an enqueue that
    // went through before the stop still gets its answer.
    if (study.state === 'stopped') {
      throw new ConflictError('StudyStopped', `study ${study.studyId} is stopped: it hands out no more runs, so enqueued params would never go out`);
    }
    const seqs = await deps.store.enqueue(study.studyId, ordered, isoAt(deps.clock()), input.requestId);
    return { value: answer(ordered.map((params, i) => ({ seq: seqs[i], params }))), result: seqs[0] };
  };
  const key = input.requestId;
  if (key === undefined) return (await write()).value;

  const fingerprint = bodyFingerprint('enqueue', ordered);
  const replay = async (result: number | string) => {
    const first = Number(result);
    return answer((await deps.store.loadQueue(study.studyId)).filter((q) => q.seq >= first && q.seq < first + ordered.length));
  };
  return once(deps, { studyId: study.studyId }, key, fingerprint, replay, async () => {
    // An earlier attempt under this key that wrote its entries and died before recording the key.
    const earlier = study.queueSeq > 0 ? (await deps.store.loadQueue(study.studyId)).filter((q) => q.requestId === key) : [];
    if (earlier.length === 0) return write();
    if (bodyFingerprint('enqueue', earlier.map((q) => q.params)) !== fingerprint) throw keyReused(key);
    return { value: answer(earlier), result: earlier[0].seq };
  });
}
