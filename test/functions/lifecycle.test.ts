/** Run lifecycle on an injected clock (no sleeping): timeouts, retries, late reports, enqueue, warm start. */
import { v4 as uuidv4 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeouts } from '../../lib/tuner/timeouts';
import { testApi, type TestApi } from '../support/api';
import { failNext } from '../support/faults';

const space = { x: { type: 'float', low: 0, high: 1 }, k: { type: 'int', low: 1, high: 4 } };

describe('run lifecycle (dynalite, injected clock)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });
  const create = async (extra: Record<string, unknown> = {}) => (await api.call('POST', '/studies', { name: 'life', space, ...extra })).body.studyId as string;
  const ask = async (id: string) => (await api.call('POST', `/studies/${id}/runs`)).body;
  const eventsOf = (id: string, type: string) => api.events.events.filter((e) => e.studyId === id && e.eventType === type);

  it('times out a silent run at its deadline, retries its params, and still stores its late completion', async () => {
    const id = await create({ metricTimeoutSeconds: 60, retryFailed: 1 });
    const run = await ask(id);
    api.advance(59_000);
    expect((await api.call('GET', `/studies/${id}`)).body.counts.running).toBe(1);
    api.advance(2_000);
    const got = await api.call('GET', `/studies/${id}`);
    expect(got.body.counts).toMatchObject({ running: 0, timed_out: 1 });
    expect(eventsOf(id, 'RunTimedOut')).toHaveLength(1);

    const retry = await ask(id);
    expect(retry).toMatchObject({ number: 1, source: 'retry', retryOf: 0, params: run.params });
    expect(eventsOf(id, 'RunRetried')).toHaveLength(1);
    // retryFailed: 1 — the retry's own timeout is not retried again.
    api.advance(61_000);
    expect((await ask(id)).source).toBe('strategy');

    const late = await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 3, value: 0.4 });
    expect(late.status).toBe(200);
    const done = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 0.4 });
    expect(done.body).toMatchObject({ state: 'completed', value: 0.4, lastStep: 3 });
    expect((await api.call('GET', `/studies/${id}`)).body.best.runId).toBe(run.runId);
  });

  it('moves the deadline on every metric and heartbeat', async () => {
    const id = await create({ metricTimeoutSeconds: 60 });
    const run = await ask(id);
    for (let i = 0; i < 3; i++) {
      api.advance(50_000);
      await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: i, value: 1 });
    }
    api.advance(50_000);
    const hb = await api.call('POST', `/studies/${id}/runs/${run.runId}/heartbeat`);
    expect(hb.body).toMatchObject({ state: 'running', deadline: api.deps.clock() + 60_000 });
    api.advance(50_000);
    expect((await api.call('GET', `/studies/${id}`)).body.counts.running).toBe(1);
  });

  it('has the scheduled sweeper time out overdue runs of every study, once', async () => {
    const a = await create({ metricTimeoutSeconds: 10 });
    const b = await create({ metricTimeoutSeconds: 1000 });
    const ra = await ask(a);
    await ask(b);
    api.advance(11_000);
    const first = await sweepTimeouts(api.deps);
    expect(first.timedOut).toBeGreaterThanOrEqual(1);
    expect((await api.deps.store.getRun(a, ra.runId))?.state).toBe('timed_out');
    expect((await api.call('GET', `/studies/${b}`)).body.counts.running).toBe(1);
    expect((await sweepTimeouts(api.deps)).timedOut).toBe(0);
    expect(eventsOf(a, 'RunTimedOut')).toHaveLength(1);
  });

  it('sweeps away a run an ask wrote into a study deleted under it, announcing no timeout', async () => {
    const id = await create({ metricTimeoutSeconds: 10 });
    const run = await ask(id);
    expect((await api.call('DELETE', `/studies/${id}`)).status).toBe(204);
    // The racing ask: it read the study before the DELETE and writes its run after the sweep.
    expect(await api.deps.store.insertRun({ ...run, studyId: id, state: 'running' })).toBe('inserted');
    api.advance(11_000);
    expect((await sweepTimeouts(api.deps)).timedOut).toBe(0);
    expect(eventsOf(id, 'RunTimedOut')).toHaveLength(0);
    expect(await api.deps.store.loadRuns(id)).toEqual([]);
    expect(await api.deps.store.listOverdueRuns(api.deps.clock(), 10)).not.toContainEqual({ studyId: id, number: run.number });
  });

  it('hands enqueued params out before proposals, each exactly once, to 16 concurrent askers', async () => {
    const id = await create({ strategy: { name: 'random' } });
    const queued = Array.from({ length: 20 }, (_, i) => ({ x: i / 20, k: (i % 4) + 1 }));
    const r = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued });
    expect(r.status).toBe(201);
    expect(r.body.enqueued.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const runs = (await Promise.all(Array.from({ length: 16 }, async () => [await ask(id), await ask(id)]))).flat();
    const enqueued = runs.filter((x) => x.source === 'enqueued');
    expect(enqueued).toHaveLength(20);
    expect(new Set(enqueued.map((x) => x.queueSeq)).size).toBe(20);
    expect(new Set(enqueued.map((x) => JSON.stringify(x.params)))).toEqual(new Set(queued.map((q) => JSON.stringify(q))));
    // The first 20 run numbers went to the queue, in order.
    expect(enqueued.map((x) => x.number).sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('enqueues a list all or nothing: a call that died between its batches leaves nothing, and its retry enqueues the list once (failure injected in the client)', async () => {
    const id = await create({ strategy: { name: 'random' } });
    const queued = Array.from({ length: 30 }, (_, i) => ({ x: i / 30, k: (i % 4) + 1 }));
    // The second of the call's two batches fails (injected through the real client): 25 entries are written.
    let batches = 0;
    failNext(api.table.raw, (op) => op === 'BatchWriteItem' && ++batches === 2);
    const failed = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued });
    expect(failed.status).toBe(500);
    expect(await api.deps.store.loadQueue(id)).toEqual([]);
    expect((await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued })).status).toBe(201);
    const runs = [];
    for (let i = 0; i < 31; i++) runs.push(await ask(id));
    expect(runs.slice(0, 30).map((r) => r.params)).toEqual(queued);
    expect(runs.map((r) => r.source)).toEqual([...Array(30).fill('enqueued'), 'strategy']);
  });

  it('answers a repeated enqueue under one Idempotency-Key with the first call entries, also when its answer was lost (failure injected in the client)', async () => {
    const id = await create({ strategy: { name: 'random' } });
    const queued = Array.from({ length: 30 }, (_, i) => ({ x: i / 30, k: (i % 4) + 1 }));
    const first = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued }, { 'idempotency-key': 'list-1' });
    expect(first.status).toBe(201);
    const again = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued }, { 'idempotency-key': 'list-1' });
    expect(again.body).toEqual(first.body);
    const other = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued.slice(1) }, { 'idempotency-key': 'list-1' });
    expect(other.body.error?.code).toBe('IdempotencyKeyReused');
    // The table applies the whole call, and the answer is lost on the way back (injected): the retry
    // finds the entries written under its key.
    let batches = 0;
    failNext(api.table.raw, (op) => op === 'BatchWriteItem' && ++batches === 2, 'after');
    const lost = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued }, { 'idempotency-key': 'list-2' });
    expect(lost.status).toBe(500);
    const retry = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: queued }, { 'idempotency-key': 'list-2' });
    expect(retry.status).toBe(201);
    expect(retry.body.enqueued.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 31 + i));
    expect(retry.body.enqueued.map((e: { params: unknown }) => e.params)).toEqual(queued);
    expect(await api.deps.store.loadQueue(id)).toHaveLength(60);
  });

  it('refuses to enqueue on a stopped study with 409 StudyStopped, yet replays an enqueue made before the stop (failure injected in the client)', async () => {
    const id = await create({ strategy: { name: 'random' } });
    const before = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: { x: 0.5, k: 1 } }, { 'idempotency-key': 'before-stop' });
    expect(before.status).toBe(201);
    // A keyed enqueue whose entries the table took while the answer was lost (injected): the key is not recorded as done.
    failNext(api.table.raw, (op) => op === 'BatchWriteItem', 'after');
    expect((await api.call('POST', `/studies/${id}/runs/enqueue`, { params: [{ x: 0.25, k: 2 }, { x: 0.75, k: 3 }] }, { 'idempotency-key': 'lost' })).status).toBe(500);
    expect(await api.deps.store.loadQueue(id)).toHaveLength(3);
    expect((await api.call('POST', `/studies/${id}/stop`)).status).toBe(200);

    const again = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: { x: 0.5, k: 1 } }, { 'idempotency-key': 'before-stop' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(before.body);
    const retry = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: [{ x: 0.25, k: 2 }, { x: 0.75, k: 3 }] }, { 'idempotency-key': 'lost' });
    expect(retry.status).toBe(201);
    expect(retry.body.enqueued.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);

    for (const headers of [{ 'idempotency-key': 'after-stop' }, {}] as Record<string, string>[]) {
      const r = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: { x: 0.1, k: 4 } }, headers);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('StudyStopped');
    }
    expect(await api.deps.store.loadQueue(id)).toHaveLength(3);
  });

  it('exports a study and warm-starts a new one from it', async () => {
    const id = await create({ strategy: { name: 'random', seed: 1 } });
    for (let i = 0; i < 3; i++) {
      const run = await ask(id);
      await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: i });
    }
    await ask(id); // still running: not a usable observation
    const exp = await api.call('GET', `/studies/${id}/export`);
    expect(exp.body).toMatchObject({ format: 'visutility-tuner-export', version: 1 });
    expect(exp.body.runs).toHaveLength(4);

    const fromId = await api.call('POST', '/studies', { name: 'warm', space, warmStartFrom: { studyId: id } });
    expect(fromId.body).toMatchObject({ warmStartRuns: 3, warmStartSkipped: 1 });
    const fromDoc = await api.call('POST', '/studies', { name: 'warm2', space, warmStartFrom: exp.body });
    expect(fromDoc.status).toBe(201);
    expect(fromDoc.body.warmStartRuns).toBe(3);
    const priors = await api.deps.store.loadPriors(fromDoc.body.studyId);
    expect(priors.map((p) => p.value).sort()).toEqual([0, 1, 2]);
    // The new study's own runs start at 0: priors teach, they do not count as runs.
    expect((await ask(fromDoc.body.studyId)).number).toBe(0);
  });

  it('warm-starts from a study of any size with its 10,000 most recent finished runs', async () => {
    // The source holds 10,000 priors of its own (a copy of a created study, written through the store
    // with values 0..9999) and three completed runs after them: the warm start keeps the last 10,000
    // and counts the 3 oldest as skipped.
    const created = (await api.deps.store.getStudy(await create({ strategy: { name: 'random', seed: 2 } })))!;
    const priors = Array.from({ length: 10_000 }, (_, i) => ({ params: { x: (i % 100) / 100, k: 1 + (i % 4) }, value: i, state: 'completed' as const }));
    const src = uuidv4();
    await api.deps.store.createStudy({ ...created, studyId: src, priorCount: priors.length }, priors);
    for (let i = 0; i < 3; i++) {
      const run = await ask(src);
      await api.call('POST', `/studies/${src}/runs/${run.runId}/complete`, { value: 20_000 + i });
    }
    const warm = await api.call('POST', '/studies', { name: 'warm-big', space, warmStartFrom: { studyId: src } });
    expect(warm.status).toBe(201);
    expect(warm.body).toMatchObject({ warmStartRuns: 10_000, warmStartSkipped: 3 });
    const kept = (await api.deps.store.loadPriors(warm.body.studyId)).map((p) => p.value);
    expect(kept).toHaveLength(10_000);
    expect(kept.slice(0, 2)).toEqual([3, 4]);
    expect(kept.slice(-4)).toEqual([9999, 20_000, 20_001, 20_002]);
    expect((await ask(warm.body.studyId)).number).toBe(0);
  });

  it('publishes exactly one event per transition', async () => {
    const id = await create({ metricTimeoutSeconds: 100 });
    const a = await ask(id);
    const b = await ask(id);
    const c = await ask(id);
    await api.call('POST', `/studies/${id}/runs/${a.runId}/metrics`, { step: 1, value: 3 });
    await api.call('POST', `/studies/${id}/runs/${a.runId}/metrics`, { step: 1, value: 3 });
    await api.call('POST', `/studies/${id}/runs/${a.runId}/complete`, { value: 3 });
    await api.call('POST', `/studies/${id}/runs/${a.runId}/complete`, { value: 3 });
    await api.call('POST', `/studies/${id}/runs/${b.runId}/complete`, { status: 'failed' });
    api.advance(101_000);
    await Promise.all([api.call('GET', `/studies/${id}`), sweepTimeouts(api.deps), api.call('GET', `/studies/${id}`)]);
    await api.call('POST', `/studies/${id}/stop`);
    const types = api.events.events.filter((e) => e.studyId === id).map((e) => e.eventType);
    expect(types.sort()).toEqual(
      ['StudyCreated', 'RunProposed', 'RunProposed', 'RunProposed', 'MetricReported', 'RunCompleted', 'BestImproved', 'RunFailed', 'RunTimedOut', 'StudyStopped'].sort(),
    );
    expect(api.events.events.find((e) => e.eventType === 'RunTimedOut' && e.studyId === id)?.runId).toBe(c.runId);
  });
});
