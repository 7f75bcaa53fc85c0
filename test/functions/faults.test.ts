/**
 * Random concurrent workloads with DynamoDB failing under them (fast-check, against dynalite): every
 * call may fail before it reaches the table, or after the table applied it with the answer lost (what a
 * timeout or a dropped connection does), as errors the SDK's own retries did not absorb; or the SDK
 * itself sends it again after losing its first answer, which a conditional write must recognise. Trainers retry
 * each request until it gets an answer below 500, creates, asks and enqueues under one Idempotency-Key,
 * as a client should.
 * Afterwards nothing may be half-written or doubled: one study per create, one run per ask, the best
 * among the completed runs, each enqueued list exactly once, counts that match.
 *
 * Failures are injected through the real client's middleware (the one part that stands in for AWS).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random';
import { REQUEST_LEASE_MS } from '../../lib/tuner/defaults';
import { DELETION_GRACE_MS } from '../../lib/store/dynamo-store';
import { sweep } from '../../lib/tuner/sweep';
import { testApi, type Reply, type TestApi } from '../support/api';
import { injectFailures, type Fate } from '../support/faults';
import { expectConsistentStudy, workloadStudyBody } from '../support/study-invariants';

type Kind = 'ask' | 'complete' | 'fail' | 'metric' | 'heartbeat' | 'silence' | 'enqueue' | 'stop' | 'read';
interface Op {
  worker: number;
  kind: Kind;
  value: number;
}

const kinds: Kind[] = ['ask', 'ask', 'ask', 'complete', 'complete', 'fail', 'metric', 'heartbeat', 'silence', 'enqueue', 'stop', 'read'];
const op: fc.Arbitrary<Op> = fc.record({ worker: fc.nat(3), kind: fc.constantFrom(...kinds), value: fc.integer({ min: -1000, max: 1000 }).map((i) => i / 100) });
const workload = fc.record({
  batches: fc.array(fc.array(op, { minLength: 1, maxLength: 5, size: 'max' }), { minLength: 1, maxLength: 10, size: 'max' }),
  strategy: fc.constantFrom('auto', 'random'),
  pruner: fc.constantFrom('none', 'median'),
  maxRuns: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  retryFailed: fc.nat(2),
  /** One in `faultEvery` DynamoDB calls fails (the workload's own calls, not the checks'), `faultBudget` in all. */
  faultEvery: fc.integer({ min: 2, max: 12 }),
  faultBudget: fc.integer({ min: 1, max: 12 }),
  faultSeed: fc.integer(),
});

const space = { x: { type: 'float', low: 0, high: 1 }, c: { type: 'categorical', choices: ['a', 'b', 'c'] } };
const MAX_ATTEMPTS = 40;
const TIMEOUT_S = 60;

describe('workloads with DynamoDB failing under them (dynalite, failures injected in the client)', () => {
  let api: TestApi;
  /** What happens to DynamoDB call number `call` while on: passes, fails before the table, or after it (answer lost). */
  let fate: ((call: number) => Fate) | undefined;
  let calls = 0;
  let property = 0;
  /** Random fates: one in `every` calls fails, `budget` in all: a third before the table, a third after it, a third retried by the SDK. */
  function randomFates(every: number, budget: number, seed: number) {
    const rng = createRng(seed);
    const rand = () => rng.next();
    let injected = 0;
    return () => {
      if (injected >= budget || rand() * every >= 1) return 'pass' as const;
      injected++;
      const r = rand();
      return r < 1 / 3 ? ('before' as const) : r < 2 / 3 ? ('after' as const) : ('retried' as const);
    };
  }
  beforeAll(async () => {
    // Hundreds of injected 500s would each log an error line; the logger is made on the first request.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    api = await testApi();
    injectFailures(api.table.raw, () => (fate ? fate(calls++) : 'pass'));
  });

  /**
   * A client's retry loop: the same request until it gets an answer below 500. After a failed keyed
   * request it waits out the claim lease (on the injected clock), as a client backing off would: the
   * failed attempt may hold its key's claim.
   */
  async function untilAnswered(send: () => Promise<Reply>, keyed = false): Promise<{ last: Reply; answers: Reply[] }> {
    const answers: Reply[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const r = await send();
      answers.push(r);
      if (r.status < 500) {
        // An ask whose claim is still leased to an attempt that failed after taking it: wait the lease out.
        if (r.status === 409 && r.body.error?.code === 'RequestInProgress') {
          api.advance(REQUEST_LEASE_MS + 1);
          continue;
        }
        return { last: r, answers };
      }
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe('InternalError');
      if (keyed) api.advance(REQUEST_LEASE_MS + 1);
    }
    throw new Error(`no answer below 500 in ${MAX_ATTEMPTS} attempts: ${JSON.stringify(answers.at(-1)?.body)}`);
  }

  it('one study per create, one run per ask, best among the completed, each enqueued list once, counts that match', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        // The create too runs under failures, with a key: it must make one study.
        fate = randomFates(w.faultEvery, w.faultBudget, w.faultSeed);
        const name = `faults-${++property}`;
        const { last: created } = await untilAnswered(() =>
          api.call('POST', '/studies', workloadStudyBody(name, space, w, TIMEOUT_S), { 'idempotency-key': `create-${property}` }),
          true,
        );
        expect(created.status).toBe(201);
        const id = created.body.studyId;
        let stopped = false;
        const runsOf = new Map<number, string[]>();
        const finished = new Set<string>();
        const completedWith = new Map<string, number>();
        const enqueued: { seqs: number[]; params: unknown }[] = [];
        let asks = 0;
        let refused = 0;

        const perform = async (o: Op, key: string): Promise<void> => {
          const run = (runsOf.get(o.worker) ?? []).filter((runId) => !finished.has(runId)).at(-1);
          const at = `/studies/${id}/runs/${run}`;
          switch (o.kind) {
            case 'ask': {
              asks++;
              const { last, answers } = await untilAnswered(() => api.call('POST', `/studies/${id}/runs`, { workerId: `w${o.worker}` }, { 'idempotency-key': key }), true);
              // Every answered attempt of one ask names the same run.
              const given = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.runId));
              expect(given.size).toBeLessThanOrEqual(1);
              if (last.status === 201) runsOf.set(o.worker, [...(runsOf.get(o.worker) ?? []), last.body.runId]);
              else {
                expect(['StudyExhausted', 'StudyStopped']).toContain(last.body.error.code);
                refused++;
              }
              return;
            }
            case 'complete':
            case 'fail': {
              if (!run) return;
              finished.add(run);
              const body = o.kind === 'complete' ? { value: o.value } : { status: 'failed', reason: 'crashed' };
              const { last } = await untilAnswered(() => api.call('POST', `${at}/complete`, body));
              // 409 RunNotRunning: the service timed the run out and a retry of it went out (retryFailed).
              expect([200, 409], JSON.stringify(last.body)).toContain(last.status);
              if (last.status === 200 && last.body.state === 'completed') completedWith.set(run, last.body.value);
              return;
            }
            case 'metric': {
              if (!run) return;
              const { last } = await untilAnswered(() => api.call('POST', `${at}/metrics`, { step: 1 + Math.floor(Math.abs(o.value)), value: o.value }));
              expect([200, 409], JSON.stringify(last.body)).toContain(last.status);
              return;
            }
            case 'heartbeat': {
              if (!run) return;
              const { last } = await untilAnswered(() => api.call('POST', `${at}/heartbeat`, {}));
              expect(last.status, JSON.stringify(last.body)).toBe(200);
              return;
            }
            case 'silence':
              api.advance((TIMEOUT_S * 1000 * 2) / 3);
              return;
            case 'stop': {
              if (o.value <= 8 || stopped) return;
              stopped = true;
              const { last } = await untilAnswered(() => api.call('POST', `/studies/${id}/stop`, {}));
              expect(last.status, JSON.stringify(last.body)).toBe(200);
              return;
            }
            case 'enqueue': {
              // Up to 60 entries: two or three batches, so failures land between them.
              const params = Array.from({ length: 1 + (Math.abs(Math.round(o.value * 100)) % 60) }, (_, i) => ({ x: i / 60, c: 'b' }));
              const { last } = await untilAnswered(() => api.call('POST', `/studies/${id}/runs/enqueue`, { params }, { 'idempotency-key': key }), true);
              // A stopped study takes no more params (nothing would hand them out), unless this key's
              // earlier attempt already wrote them: then the answer is those entries.
              if (stopped && last.status === 409) {
                expect(last.body.error.code).toBe('StudyStopped');
                return;
              }
              expect(last.status, JSON.stringify(last.body)).toBe(201);
              expect(last.body.enqueued.map((e: { params: unknown }) => e.params)).toEqual(params);
              enqueued.push({ seqs: last.body.enqueued.map((e: { seq: number }) => e.seq), params });
              return;
            }
            case 'read': {
              const { last } = await untilAnswered(() => api.call('GET', `/studies/${id}`));
              expect(last.status).toBe(200);
              return;
            }
          }
        };

        try {
          for (const [b, batch] of w.batches.entries()) await Promise.all(batch.map((o, i) => perform(o, `key-${b}-${i}`)));
        } finally {
          fate = undefined;
        }

        const named = (await api.call('GET', '/studies?limit=100')).body.studies.filter((st: { name: string }) => st.name === name);
        expect(named.map((st: { studyId: string }) => st.studyId)).toEqual([id]);
        const study = (await api.call('GET', `/studies/${id}`)).body;
        const runs = (await api.call('GET', `/studies/${id}/export`)).body.runs as any[];
        expectConsistentStudy(study, runs, { maxRuns: w.maxRuns, completedWith });
        // One run per ask that got one: none left behind by an attempt that failed after making it.
        expect(runs.length).toBe(asks - refused);
        // Each enqueued list once: the queue holds exactly the answered calls' entries, nothing of the failed attempts.
        const queue = await api.deps.store.loadQueue(id);
        expect(queue.map((q) => q.seq).sort((a, b) => a - b)).toEqual(enqueued.flatMap((e) => e.seqs).sort((a, b) => a - b));
        const fromQueue = runs.filter((r) => r.source === 'enqueued').map((r) => r.queueSeq);
        expect(new Set(fromQueue).size).toBe(fromQueue.length);
      }),
      { numRuns: 30 },
    );
  });

  it('survives one failure at any DynamoDB call of a keyed create, ask, enqueue, a completion, a pruning metric or a delete: before or after the table, or retried by the SDK', async () => {
    type Step = 'create' | 'ask' | 'enqueue' | 'complete' | 'metric' | 'delete';
    const list = Array.from({ length: 30 }, (_, i) => ({ x: i / 30, c: 'a' }));
    /** Sets up what the step needs (no failures), then runs the step under `stepFate` with a retrying client. */
    /** What each step announces: exactly once when the client saw no failure, at most once otherwise. */
    const announces: Record<Step, string[]> = {
      create: ['StudyCreated'],
      ask: ['RunProposed'],
      enqueue: [],
      complete: ['RunCompleted', 'BestImproved'],
      metric: ['MetricReported', 'RunPruned'],
      delete: ['StudyDeleted'],
    };
    async function scenario(step: Step, stepFate: (call: number) => Fate) {
      const name = `single-${++property}`;
      const create = () =>
        api.call('POST', '/studies', { name, space, pruner: { name: 'median', startupRuns: 1 }, warmStartFrom: { runs: [{ params: { x: 0.5, c: 'a' }, value: 1 }] } }, { 'idempotency-key': `c-${property}` });
      let id = step === 'create' ? '' : (await create()).body.studyId;
      const run = ['complete', 'metric', 'delete'].includes(step) ? (await api.call('POST', `/studies/${id}/runs`, {})).body : undefined;
      if (step === 'metric' || step === 'delete') {
        // One finished run at 0.1 on step 1: the run's 0.9 there is pruned by the median rule.
        const other = (await api.call('POST', `/studies/${id}/runs`, {})).body;
        await api.call('POST', `/studies/${id}/runs/${other.runId}/metrics`, { step: 1, value: 0.1 });
        await api.call('POST', `/studies/${id}/runs/${other.runId}/complete`, { value: 0.1 });
        await api.call('POST', `/studies/${id}/runs/enqueue`, { params: list });
      }
      calls = 0;
      fate = stepFate;
      const eventsBefore = api.events.events.length;
      let last: Reply;
      let answers: Reply[];
      try {
        const send = {
          create,
          ask: () => api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'a' }),
          enqueue: () => api.call('POST', `/studies/${id}/runs/enqueue`, { params: list }, { 'idempotency-key': 'e' }),
          complete: () => api.call('POST', `/studies/${id}/runs/${run?.runId}/complete`, { value: 0.5 }),
          metric: () => api.call('POST', `/studies/${id}/runs/${run?.runId}/metrics`, { step: 1, value: 0.9 }),
          delete: () => api.call('DELETE', `/studies/${id}`),
        }[step];
        ({ last, answers } = await untilAnswered(send, true));
      } finally {
        fate = undefined;
      }
      const made = calls;
      // A DELETE retried after its first attempt removed the study item answers 404.
      expect(last.status, `${step}: ${JSON.stringify(last.body)}`).toBeLessThan(step === 'delete' ? 405 : 300);
      if (step === 'create') id = last.body.studyId;
      const types = api.events.events
        .slice(eventsBefore)
        .filter((e) => e.studyId === id)
        .map((e) => e.eventType);
      const answeredFirstTime = answers.length === 1;
      for (const type of announces[step]) {
        const n = types.filter((t) => t === type).length;
        if (answeredFirstTime) expect(n, `${step}: ${type} in ${types}`).toBe(1);
        else expect(n, `${step}: ${type} in ${types}`).toBeLessThanOrEqual(1);
      }
      if (step === 'create') {
        const named = (await api.call('GET', '/studies?limit=100')).body.studies.filter((st: { name: string }) => st.name === name);
        expect(named.map((st: { studyId: string }) => st.studyId)).toEqual([id]);
        expect(await api.deps.store.loadPriors(id)).toHaveLength(1);
      }
      const runs = await api.deps.store.loadRuns(id);
      if (step === 'ask') expect(runs.map((r) => r.runId)).toEqual([last.body.runId]);
      if (step === 'enqueue') {
        expect(last.body.enqueued.map((e: { params: unknown }) => e.params)).toEqual(list);
        expect((await api.deps.store.loadQueue(id)).map((q) => q.params)).toEqual(list);
      }
      if (step === 'complete') {
        expect(runs[0]).toMatchObject({ state: 'completed', value: 0.5 });
        // The stored best, not GET's answer: a GET would repair it (lib/tuner/best.ts), and the retry must not need that.
        expect((await api.deps.store.getStudy(id))?.best).toMatchObject({ runId: run.runId, value: 0.5 });
      }
      if (step === 'metric') {
        expect(last.body.prune).toBe(true);
        expect(runs.find((r) => r.runId === run.runId)).toMatchObject({ state: 'pruned', value: 0.9, lastStep: 1 });
        expect((await api.deps.store.getCurve(id, run.number)).get(1)).toBe(0.9);
      }
      if (step === 'delete') {
        // Gone for readers at once; whatever the failed attempt left is the sweeper's.
        expect((await api.call('GET', `/studies/${id}`)).status).toBe(404);
        await sweep(api.deps);
        expect(await api.deps.store.loadRuns(id)).toEqual([]);
        // The final re-sweep, once requests that raced the DELETE have certainly ended.
        api.advance(DELETION_GRACE_MS + 1);
        await sweep(api.deps);
        expect(await api.deps.store.loadQueue(id)).toEqual([]);
        expect(await api.deps.store.loadPriors(id)).toEqual([]);
        expect(await api.deps.store.pendingDeletions(10, Number.MAX_SAFE_INTEGER)).not.toContain(id);
      }
      return { made, attempts: answers.length, status: last.status };
    }
    let scenarios = 0;
    for (const step of ['create', 'ask', 'enqueue', 'complete', 'metric', 'delete'] as const) {
      const clean = (await scenario(step, () => 'pass')).made;
      expect(clean).toBeGreaterThan(1);
      for (let at = 0; at < clean; at++) {
        for (const mode of ['before', 'after', 'retried'] as const) {
          const r = await scenario(step, (call) => (call === at ? mode : 'pass'));
          // The SDK's own retry is invisible to the client: the first answer is the right one.
          if (mode === 'retried') expect([r.attempts, r.status], `${step}, call ${at}`).toEqual([1, step === 'create' || step === 'ask' || step === 'enqueue' ? 201 : step === 'delete' ? 204 : 200]);
          scenarios++;
        }
      }
    }
    expect(scenarios).toBeGreaterThan(60);
  });
});
