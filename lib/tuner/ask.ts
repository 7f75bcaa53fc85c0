/**
 * Ask: the seed's AdaptiveTuner loop made stateless. Load the study's history, decide the next params,
 * and commit them under the next run number with a conditional write. The run number is the lock: an
 * asker that loses it to a concurrent one reads the runs it missed and decides again, so every proposal
 * was computed from the complete history before it (grid points and enqueued params go out exactly once,
 * `maxRuns` is exact, numbers are dense from 0).
 *
 * Where the params come from, in order: enqueued params, then retries of failed/timed-out runs
 * (`retryFailed`), then the study's strategy.
 */
import { v4 as uuidv4 } from 'uuid';
import type { Params, Run, Trial } from '../domain/types';
import { ConflictError, isTunerError, RetryLaterError, TunerError } from '../errors';
import { publishSafely } from '../events/publisher';
import { makeEvent, type TunerEvent } from '../events/types';
import { createRng, mixSeed } from '../random';
import { getStrategy } from '../strategies/registry';
import type { PriorObservation, QueuedParams, StoredStudy } from '../store/store';
import { ASK_CONTENTION_BUDGET_MS } from './defaults';
import { deadlineAfter, isoAt, type TunerDeps } from './deps';
import { keyReused, once } from './idempotency';
import { requireStudy } from './studies';
import { expireOverdue } from './timeouts';
import { runView } from './views';

export interface AskInput {
  studyId: string;
  workerId?: string;
  /** Idempotency key: a repeated ask with the same key returns the same run. */
  requestId?: string;
  /** Epoch ms (real clock) by which a contended ask gives up with 429 at the latest (the function's time). */
  answerBy?: number;
}

export async function ask(deps: TunerDeps, input: AskInput) {
  const study = await requireStudy(deps, input.studyId);
  const key = input.requestId;
  if (key === undefined) return runView(await allocate(deps, study, input), study);
  const replay = async (number: number | string) => {
    const run = await deps.store.getRunByNumber(study.studyId, Number(number));
    if (!run) throw new TunerError('InternalError', 500, `run ${number} of request ${key} is missing`);
    return runView(run, study);
  };
  return once(deps, { studyId: study.studyId }, key, askFingerprint(input.workerId), replay, async () => {
    const run = await allocate(deps, study, input);
    return { value: runView(run, study), result: run.number };
  });
}

const askFingerprint = (workerId: string | undefined) => JSON.stringify({ workerId: workerId ?? null });

interface Choice {
  params: Params;
  source: NonNullable<Run['source']>;
  retryOf?: number;
  queueSeq?: number;
}

async function allocate(deps: TunerDeps, study: StoredStudy, input: AskInput): Promise<Run> {
  const stopped = () => new ConflictError('StudyStopped', `study ${study.studyId} is stopped: it hands out no more runs`);
  // A keyed ask looks for its earlier attempt's run first: that run is its answer even if the study
  // was stopped (or filled up) since.
  if (study.state === 'stopped' && input.requestId === undefined) throw stopped();
  const [runs, queue, priors] = await Promise.all([
    deps.store.loadRuns(study.studyId),
    study.queueSeq > 0 ? deps.store.loadQueue(study.studyId) : Promise.resolve([] as QueuedParams[]),
    study.priorCount > 0 ? deps.store.loadPriors(study.studyId) : Promise.resolve([] as PriorObservation[]),
  ]);
  // An ask under this key that inserted its run and then died (before recording the key as done, or
  // with its claim released on an error after the insert) already made the run: that is the answer,
  // not a second run left running for nobody.
  const earlier = input.requestId === undefined ? undefined : runs.find((r) => r.requestId === input.requestId);
  if (earlier) {
    if (askFingerprint(earlier.workerId) !== askFingerprint(input.workerId)) throw keyReused(input.requestId!);
    return earlier;
  }
  if (study.state === 'stopped') throw stopped();
  await expireOverdue(deps, study.studyId, runs);

  // Wall-clock budget, not an attempt count: the clock may be injected (tests), contention is real time.
  const giveUpAt = Math.min(Date.now() + ASK_CONTENTION_BUDGET_MS, input.answerBy ?? Infinity);
  for (let attempt = 0; attempt === 0 || Date.now() < giveUpAt; attempt++) {
    const number = runs.length === 0 ? 0 : runs[runs.length - 1].number + 1;
    if (study.maxRuns !== undefined && number >= study.maxRuns) {
      throw new ConflictError('StudyExhausted', `study ${study.studyId} has reached maxRuns (${study.maxRuns})`);
    }
    const choice = pickQueued(queue, runs) ?? pickRetry(study, runs) ?? propose(study, runs, priors, number);
    const now = deps.clock();
    const run: Run = {
      studyId: study.studyId,
      runId: uuidv4(),
      number,
      params: choice.params,
      state: 'running',
      source: choice.source,
      retryOf: choice.retryOf,
      queueSeq: choice.queueSeq,
      workerId: input.workerId,
      requestId: input.requestId,
      deadline: deadlineAfter(now, study.metricTimeoutSeconds),
      createdAt: isoAt(now),
      updatedAt: isoAt(now),
    };
    if ((await deps.store.insertRun(run)) === 'inserted') {
      await publishSafely(deps.events, proposedEvents(run), deps.logger);
      return run;
    }
    // Lost the number to a concurrent ask: catch up on what it (and others) wrote, then decide again.
    const missed = await deps.store.loadRuns(study.studyId, number - 1);
    // An earlier attempt under this key that was still running when its claim was taken over (it
    // outlived the lease) may have got its run in meanwhile: that run is the answer, not a second one.
    const theirs = input.requestId === undefined ? undefined : missed.find((r) => r.requestId === input.requestId);
    if (theirs) {
      if (askFingerprint(theirs.workerId) !== askFingerprint(input.workerId)) throw keyReused(input.requestId!);
      return theirs;
    }
    runs.push(...missed);
    // A small, flat jitter: racers spread out without lockstep collisions. Not exponential: growing
    // waits would hand every next number to the askers that lost least, starving the unlucky ones.
    await sleep(Math.random() * 10);
  }
  throw new RetryLaterError(`too many concurrent asks on study ${study.studyId}; retry shortly`, 1);
}

function pickQueued(queue: readonly QueuedParams[], runs: readonly Run[]): Choice | undefined {
  if (queue.length === 0) return undefined;
  const used = new Set(runs.map((r) => r.queueSeq).filter((s) => s !== undefined));
  const next = queue.find((q) => !used.has(q.seq));
  return next && { params: next.params, source: 'enqueued', queueSeq: next.seq };
}

/** The oldest failed or timed-out run not yet retried, whose chain of retries is still under the limit. */
function pickRetry(study: StoredStudy, runs: readonly Run[]): Choice | undefined {
  if (study.retryFailed <= 0) return undefined;
  const byNumber = new Map(runs.map((r) => [r.number, r]));
  const retried = new Set(runs.map((r) => r.retryOf).filter((n) => n !== undefined));
  const depth = (r: Run): number => (r.retryOf === undefined ? 0 : 1 + depth(byNumber.get(r.retryOf) ?? ({} as Run)));
  const target = runs.find((r) => (r.state === 'failed' || r.state === 'timed_out') && !retried.has(r.number) && depth(r) < study.retryFailed);
  return target && { params: target.params, source: 'retry', retryOf: target.number };
}

function propose(study: StoredStudy, runs: readonly Run[], priors: readonly PriorObservation[], number: number): Choice {
  const strategy = getStrategy(study.strategy.name);
  try {
    const params = strategy.propose({
      space: study.space,
      history: toTrials(runs, priors),
      direction: study.direction,
      rng: createRng(mixSeed(study.strategy.seed, number)),
      options: study.strategy.options,
      number,
      seed: study.strategy.seed,
    });
    return { params, source: 'strategy' };
  } catch (err) {
    if (isTunerError(err)) throw err;
    throw new TunerError('StrategyFailed', 500, `strategy ${strategy.name} failed to propose: ${(err as Error)?.message ?? err}`, { cause: err });
  }
}

/** What strategies learn from: warm-start priors (negative numbers) then the study's runs. */
export function toTrials(runs: readonly Run[], priors: readonly PriorObservation[] = []): Trial[] {
  const trials: Trial[] = priors.map((p, i) => ({ number: -(priors.length - i), params: p.params, state: p.state, value: p.value }));
  for (const r of runs) {
    const value = r.state === 'completed' || r.state === 'pruned' ? (r.value ?? r.lastValue) : undefined;
    trials.push({ number: r.number, params: r.params, state: r.state, ...(value !== undefined ? { value } : {}) });
  }
  return trials;
}

function proposedEvents(run: Run): TunerEvent[] {
  const data: Record<string, unknown> = { params: run.params, source: run.source };
  if (run.workerId) data.workerId = run.workerId;
  if (run.retryOf !== undefined) data.retryOf = run.retryOf;
  const at = new Date(run.createdAt);
  const events = [makeEvent('RunProposed', run.studyId, { runId: run.runId, number: run.number, data, at })];
  if (run.source === 'retry') {
    events.push(makeEvent('RunRetried', run.studyId, { runId: run.runId, number: run.number, data: { retryOf: run.retryOf, newRunId: run.runId }, at }));
  }
  return events;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
