/**
 * Random concurrent workloads (fast-check, against dynalite): four trainers ask, report metrics, complete,
 * fail, heartbeat and go silent, in batches that run in parallel, while the clock moves, the study is
 * stopped and params are enqueued. Afterwards the study must be consistent in every way a client can
 * see: nothing half-written, nothing answered twice differently, no 500.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type Reply, type TestApi } from '../support/api';
import { expectConsistentStudy, workloadStudyBody } from '../support/study-invariants';

type Kind = 'ask' | 'metric' | 'complete' | 'repeatComplete' | 'fail' | 'heartbeat' | 'silence' | 'enqueue' | 'stop' | 'read';
interface Op {
  worker: number;
  kind: Kind;
  value: number;
}

const kinds: Kind[] = ['ask', 'ask', 'ask', 'metric', 'metric', 'complete', 'complete', 'complete', 'repeatComplete', 'repeatComplete', 'fail', 'fail', 'heartbeat', 'silence', 'enqueue', 'stop', 'read'];
// Values on a 0.01 grid: ties happen (they matter for best and pruning), and no subnormal draws that
// would only test the storable-number check (the fuzz tests do that).
const op: fc.Arbitrary<Op> = fc.record({ worker: fc.nat(3), kind: fc.constantFrom(...kinds), value: fc.integer({ min: -1000, max: 1000 }).map((i) => i / 100) });
const workload = fc.record({
  // size 'max': long workloads are the point, not fast-check's default bias toward small arrays.
  batches: fc.array(fc.array(op, { minLength: 1, maxLength: 6, size: 'max' }), { minLength: 1, maxLength: 12, size: 'max' }),
  strategy: fc.constantFrom('auto', 'random', 'grid'),
  pruner: fc.constantFrom('none', 'median', 'asha'),
  maxRuns: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  retryFailed: fc.nat(2),
});

// 5 × 2 points: small enough that grid and the no-duplicates rule are exercised to exhaustion.
const space = { x: { type: 'int', low: 0, high: 4 }, c: { type: 'categorical', choices: ['a', 'b'] } };
const TIMEOUT_S = 60;

describe('random concurrent workloads (dynalite)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });

  async function allRuns(id: string) {
    const runs: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call('GET', `/studies/${id}/runs?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      runs.push(...page.body.runs);
      cursor = page.body.nextCursor;
    } while (cursor);
    return runs;
  }

  it('keep numbers dense, counts, best, values and events consistent, and never answer 500', async () => {
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        const created = await api.call('POST', '/studies', workloadStudyBody('load', space, w, TIMEOUT_S));
        expect(created.status).toBe(201);
        const id = created.body.studyId;
        const runsOf = new Map<number, string[]>();
        const enqueuedSeqs = new Set<number>();
        const finished = new Set<string>();
        const completedWith = new Map<string, number>();

        const perform = async (o: Op): Promise<Reply | undefined> => {
          const mine = runsOf.get(o.worker) ?? [];
          // A trainer works on its newest run it has not finished itself (the service may have timed it out).
          const run = mine.filter((runId) => !finished.has(runId)).at(-1);
          const at = `/studies/${id}/runs/${run}`;
          switch (o.kind) {
            case 'ask': {
              const r = await api.call('POST', `/studies/${id}/runs`, { workerId: `w${o.worker}` });
              // Read the list again after the await: a second ask of this worker in the same batch may have added to it.
              if (r.status === 201) runsOf.set(o.worker, [...(runsOf.get(o.worker) ?? []), r.body.runId]);
              else expect(['StudyExhausted', 'StudyStopped']).toContain(r.body.error.code);
              return r;
            }
            case 'metric':
              return run ? api.call('POST', `${at}/metrics`, { step: 1 + Math.floor(Math.abs(o.value)), value: o.value }) : undefined;
            case 'complete': {
              if (!run) return undefined;
              const r = await api.call('POST', `${at}/complete`, { value: o.value });
              if (r.status === 200 && r.body.state === 'completed') completedWith.set(run, r.body.value);
              finished.add(run);
              return r;
            }
            case 'repeatComplete': {
              // A retried request (lost answer): the same completion again must get the same answer.
              const done = mine.filter((runId) => completedWith.has(runId)).at(-1);
              if (!done) return undefined;
              const r = await api.call('POST', `/studies/${id}/runs/${done}/complete`, { value: completedWith.get(done) });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              expect(r.body).toMatchObject({ runId: done, state: 'completed', value: completedWith.get(done) });
              return r;
            }
            case 'fail': {
              if (!run) return undefined;
              finished.add(run);
              return api.call('POST', `${at}/complete`, { status: 'failed', reason: 'crashed' });
            }
            case 'heartbeat':
              return run ? api.call('POST', `${at}/heartbeat`, {}) : undefined;
            case 'silence':
              api.advance((TIMEOUT_S * 1000 * 2) / 3);
              return undefined;
            case 'enqueue': {
              const r = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: { x: Math.round(Math.abs(o.value)) % 5, c: 'b' } });
              if (r.status === 201) for (const e of r.body.enqueued) enqueuedSeqs.add(e.seq);
              return r;
            }
            case 'stop':
              return o.value > 8 ? api.call('POST', `/studies/${id}/stop`, {}) : undefined;
            case 'read':
              return api.call('GET', `/studies/${id}`);
          }
        };

        for (const batch of w.batches) {
          for (const [o, r] of (await Promise.all(batch.map(async (o) => [o, await perform(o)] as const)))) {
            if (!r) continue;
            expect(r.status, `${o.kind}: ${JSON.stringify(r.body)}`).toBeLessThan(500);
            if (r.status >= 400) expect(typeof r.body.error.code, o.kind).toBe('string');
          }
        }

        // Read the study first: it brings overdue runs to timed_out, so the listing after it agrees.
        const study = (await api.call('GET', `/studies/${id}`)).body;
        const runs = await allRuns(id);
        expectConsistentStudy(study, runs, { maxRuns: w.maxRuns, completedWith });

        if (w.strategy === 'grid') {
          const fromGrid = runs.filter((r) => r.source === 'strategy').map((r) => JSON.stringify(r.params));
          expect(new Set(fromGrid).size).toBe(fromGrid.length);
        }

        // Enqueued params go out once each. A retry re-offers the params of a failed or timed-out run,
        // once, and no deeper than retryFailed.
        const fromQueue = runs.filter((r) => r.source === 'enqueued').map((r) => r.queueSeq);
        expect(new Set(fromQueue).size).toBe(fromQueue.length);
        for (const seq of fromQueue) expect(enqueuedSeqs.has(seq)).toBe(true);
        const retries = runs.filter((r) => r.source === 'retry');
        expect(new Set(retries.map((r) => r.retryOf)).size).toBe(retries.length);
        const depth = (r: any): number => (r.source === 'retry' ? 1 + depth(runs[r.retryOf]) : 0);
        for (const r of retries) {
          // 'completed' too: a timed-out run's late completion is still recorded after its retry went out.
          expect(['failed', 'timed_out', 'completed']).toContain(runs[r.retryOf].state);
          expect(r.params).toEqual(runs[r.retryOf].params);
          expect(depth(r)).toBeLessThanOrEqual(w.retryFailed);
        }

        const events = api.events.events.filter((e) => e.studyId === id);
        const count = (runId: string, type: string) => events.filter((e) => e.runId === runId && e.eventType === type).length;
        for (const r of runs) {
          expect(count(r.runId, 'RunProposed')).toBe(1);
          if (r.state === 'completed') expect(count(r.runId, 'RunCompleted')).toBe(1);
          if (r.state === 'failed') expect(count(r.runId, 'RunFailed')).toBe(1);
          if (r.state === 'pruned') expect(count(r.runId, 'RunPruned')).toBe(1);
        }
      }),
      { numRuns: 40 },
    );
  });
});
