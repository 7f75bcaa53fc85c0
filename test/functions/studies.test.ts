import { beforeAll, describe, expect, it } from 'vitest';
import { CREATE_GRACE_MS } from '../../lib/store/dynamo-store';
import { deleteStudy } from '../../lib/tuner/studies';
import { sweep } from '../../lib/tuner/sweep';
import { testApi, type TestApi } from '../support/api';
import { failNext } from '../support/faults';

const space = {
  lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
  layers: { type: 'int', low: 1, high: 8 },
  opt: { type: 'categorical', choices: ['adam', 'sgd', 1, true] },
};

describe('studies over the handlers (dynalite)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });

  it('creates a study with defaults filled in and returns it with a uuid studyId', async () => {
    const r = await api.call('POST', '/studies', { name: 'first', space });
    expect(r.status).toBe(201);
    expect(r.body.studyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body).toMatchObject({
      name: 'first',
      direction: 'minimize',
      space,
      strategy: { name: 'auto' },
      pruner: { name: 'none' },
      maxRuns: null,
      state: 'active',
      best: null,
      counts: { running: 0, completed: 0, failed: 0, pruned: 0, timed_out: 0 },
      runStates: ['running', 'completed', 'failed', 'pruned', 'timed_out'],
    });
    expect(Number.isInteger(r.body.strategy.seed)).toBe(true);
    expect(api.events.events.at(-1)).toMatchObject({ eventType: 'StudyCreated', studyId: r.body.studyId, version: 1 });
  });

  it('keeps the space order and numeric categorical choices exactly as given', async () => {
    const created = await api.call('POST', '/studies', { name: 'order', space: { z: space.opt, a: space.lr } });
    const got = await api.call('GET', `/studies/${created.body.studyId}`);
    expect(Object.keys(got.body.space)).toEqual(['z', 'a']);
    expect(got.body.space.z.choices).toEqual(['adam', 'sgd', 1, true]);
  });

  it('counts runs by state and reports the best completed run', async () => {
    const { body: study } = await api.call('POST', '/studies', { name: 'counts', space, strategy: { name: 'random', seed: 3 } });
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push((await api.call('POST', `/studies/${study.studyId}/runs`, {})).body);
    await api.call('POST', `/studies/${study.studyId}/runs/${runs[0].runId}/complete`, { value: 0.5 });
    await api.call('POST', `/studies/${study.studyId}/runs/${runs[1].runId}/complete`, { value: 0.25 });
    await api.call('POST', `/studies/${study.studyId}/runs/${runs[2].runId}/complete`, { status: 'failed', reason: 'NaN loss' });
    const got = await api.call('GET', `/studies/${study.studyId}`);
    expect(got.body.counts).toEqual({ running: 1, completed: 2, failed: 1, pruned: 0, timed_out: 0 });
    expect(got.body.best).toEqual({ runId: runs[1].runId, number: 1, params: runs[1].params, value: 0.25 });
  });

  it('finds the best by the largest value when maximizing', async () => {
    const { body: study } = await api.call('POST', '/studies', { name: 'max', direction: 'maximize', space });
    const a = (await api.call('POST', `/studies/${study.studyId}/runs`)).body;
    const b = (await api.call('POST', `/studies/${study.studyId}/runs`)).body;
    await api.call('POST', `/studies/${study.studyId}/runs/${a.runId}/complete`, { value: 0.9 });
    await api.call('POST', `/studies/${study.studyId}/runs/${b.runId}/complete`, { value: 0.7 });
    expect((await api.call('GET', `/studies/${study.studyId}`)).body.best.runId).toBe(a.runId);
    const improved = api.events.events.filter((e) => e.studyId === study.studyId && e.eventType === 'BestImproved');
    expect(improved).toHaveLength(1);
  });

  it('pages through studies newest first with an opaque cursor', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) {
      api.advance(1000);
      ids.push((await api.call('POST', '/studies', { name: `page-${i}`, space })).body.studyId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await api.call('GET', `/studies?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.studies.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.studies.map((s: { studyId: string }) => s.studyId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('pages through runs in number order', async () => {
    const { body: study } = await api.call('POST', '/studies', { name: 'runs-page', space });
    for (let i = 0; i < 7; i++) await api.call('POST', `/studies/${study.studyId}/runs`);
    const numbers: number[] = [];
    let cursor: string | undefined;
    do {
      const r = await api.call('GET', `/studies/${study.studyId}/runs?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      numbers.push(...r.body.runs.map((x: { number: number }) => x.number));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(numbers).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('answers an export Lambda could not return with a coded 422 that says what to do instead', async () => {
    // 100 params of 250-character choices make each run ~26 KB: 260 runs export ~6.8 MB, over the
    // 6 MB a Lambda may return (API Gateway would answer a bare 502). Runs are written through the
    // store: asking 260 times would re-read a growing history every time.
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: 'categorical', choices: ['a'.repeat(250), 'b'.repeat(250)] }]));
    const { status, body: study } = await api.call('POST', '/studies', { name: 'wide', space: wide });
    expect(status).toBe(201);
    const at = new Date(api.deps.clock()).toISOString();
    for (let number = 0; number < 260; number++) {
      const params = Object.fromEntries(Object.keys(wide).map((k, i) => [k, ((number >> i % 8) & 1 ? 'b' : 'a').repeat(250)]));
      const run = { studyId: study.studyId, runId: `run-${number}`, number, params, state: 'completed' as const, value: number, createdAt: at, updatedAt: at };
      expect(await api.deps.store.insertRun(run)).toBe('inserted');
    }

    const exp = await api.call('GET', `/studies/${study.studyId}/export`);
    expect(exp.status).toBe(422);
    expect(exp.body.error.code).toBe('ResponseTooLarge');
    expect(exp.body.error.message).toMatch(/would be [67]\.\d MB, more than the 6\.0 MB/);
    expect(exp.body.error.message).toContain('warmStartFrom: { studyId }');

    // Both ways out work: the runs page out (DynamoDB pages hold at most 1 MB), and a warm start by id.
    const numbers: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call('GET', `/studies/${study.studyId}/runs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      numbers.push(...page.body.runs.map((r: { number: number }) => r.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(numbers).toEqual(Array.from({ length: 260 }, (_, i) => i));
    const warm = await api.call('POST', '/studies', { name: 'wide-warm', space: wide, warmStartFrom: { studyId: study.studyId } });
    expect(warm.status).toBe(201);
    expect(warm.body.warmStartRuns).toBe(260);
  });

  it('deletes a study with all its runs, then answers 404 for it', async () => {
    const { body: study } = await api.call('POST', '/studies', { name: 'doomed', space });
    const run = (await api.call('POST', `/studies/${study.studyId}/runs`, {})).body;
    await api.call('POST', `/studies/${study.studyId}/runs/${run.runId}/metrics`, { step: 1, value: 2 });
    expect((await api.call('DELETE', `/studies/${study.studyId}`)).status).toBe(204);
    expect((await api.call('GET', `/studies/${study.studyId}`)).body.error.code).toBe('StudyNotFound');
    expect((await api.call('DELETE', `/studies/${study.studyId}`)).status).toBe(404);
    expect(await api.deps.store.loadRuns(study.studyId)).toEqual([]);
    expect((await api.deps.store.getCurve(study.studyId, 0)).size).toBe(0);
  });

  it('answers a delete that runs out of time at once, and the sweep removes the rest', async () => {
    // A budget of 0 stands in for a study too big to sweep within one request.
    const { body: study } = await api.call('POST', '/studies', { name: 'huge', space });
    for (let i = 0; i < 3; i++) {
      const run = (await api.call('POST', `/studies/${study.studyId}/runs`, {})).body;
      await api.call('POST', `/studies/${study.studyId}/runs/${run.runId}/metrics`, { step: 1, value: i });
    }
    await deleteStudy(api.deps, study.studyId, 0);
    expect((await api.call('GET', `/studies/${study.studyId}`)).status).toBe(404);
    expect(await api.deps.store.loadRuns(study.studyId)).toHaveLength(3);
    const swept = await sweep(api.deps);
    expect(swept).toMatchObject({ deletionsFinished: 1, deletionsPending: 0 });
    expect(await api.deps.store.loadRuns(study.studyId)).toEqual([]);
    expect(await api.deps.store.pendingDeletions(10, api.deps.clock())).not.toContain(study.studyId);
    expect(api.events.events.filter((e) => e.studyId === study.studyId && e.eventType === 'StudyDeleted')).toHaveLength(1);
  });

  it('leaves no trace of a warm-started create that crashed half-way once the sweep has run after it (failure injected in the client)', async () => {
    // The request dies (injected through the real client) after writing its priors, before the study item.
    const name = 'crashes-after-priors';
    failNext(api.table.raw, (op, i) => op === 'PutItem' && i.Item?.sk === '#STUDY' && i.Item?.name === name);
    const runs = Array.from({ length: 30 }, (_, i) => ({ params: { lr: 0.001, layers: 1 + (i % 8), opt: 'sgd' }, value: i }));
    const res = await api.call('POST', '/studies', { name, space, warmStartFrom: { runs } });
    expect(res.status).toBe(500);
    // Earlier tests' deletions wait for their final re-sweep; this is the one with priors.
    const pending = await api.deps.store.pendingDeletions(100, Number.MAX_SAFE_INTEGER);
    const withPriors = await Promise.all(pending.map(async (id) => (await api.deps.store.loadPriors(id)).length));
    const studyId = pending[withPriors.indexOf(30)];
    expect(studyId).toBeDefined();
    // A sweep while the create could still be running leaves its items alone...
    expect(await sweep(api.deps)).toMatchObject({ deletionsFinished: 0, deletionsPending: 0 });
    expect(await api.deps.store.loadPriors(studyId)).toHaveLength(30);
    // ...the first one after its grace removes them.
    api.advance(CREATE_GRACE_MS + 1);
    expect(await sweep(api.deps)).toMatchObject({ deletionsPending: 0, failed: 0 });
    expect(await api.deps.store.loadPriors(studyId)).toEqual([]);
    expect(await api.deps.store.pendingDeletions(100, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('creates one study per Idempotency-Key: a repeat gets it again, another body under the key is 409', async () => {
    const body = { name: 'keyed', space, strategy: { name: 'random', seed: 3 } };
    const first = await api.call('POST', '/studies', body, { 'idempotency-key': 'create-1' });
    expect(first.status).toBe(201);
    const again = await api.call('POST', '/studies', body, { 'idempotency-key': 'create-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await api.call('POST', '/studies', { ...body, name: 'other' }, { 'idempotency-key': 'create-1' });
    expect(other.body.error?.code).toBe('IdempotencyKeyReused');
    expect((await api.call('POST', '/studies', body, { 'idempotency-key': 'create-2' })).body.studyId).not.toBe(first.body.studyId);
    // Eight racing repeats of a new key make one study.
    const racing = await Promise.all(Array.from({ length: 8 }, () => api.call('POST', '/studies', { ...body, name: 'keyed-race' }, { 'idempotency-key': 'create-3' })));
    expect(racing.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(racing.map((r) => r.body.studyId)).size).toBe(1);
    expect((await api.call('GET', '/studies?limit=100')).body.studies.filter((st: { name: string }) => st.name === 'keyed-race')).toHaveLength(1);
  });

  it('answers a repeated keyed create with the first answer, the study as created, whatever happened to it since', async () => {
    const body = { name: 'replayed', space, strategy: { name: 'random', seed: 5 }, warmStartFrom: { runs: [{ params: { lr: 0.01, layers: 2, opt: 'adam' }, value: 1 }, { params: { lr: 9, layers: 2, opt: 'adam' }, value: 2 }] } };
    const first = await api.call('POST', '/studies', body, { 'idempotency-key': 'replay-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: 'active', best: null, warmStartRuns: 1, warmStartSkipped: 1 });
    const id = first.body.studyId;
    api.advance(5000);
    const run = (await api.call('POST', `/studies/${id}/runs`)).body;
    await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 0.5 });
    await api.call('POST', `/studies/${id}/runs`);
    await api.call('POST', `/studies/${id}/stop`);
    const now = (await api.call('GET', `/studies/${id}`)).body;
    expect(now).toMatchObject({ state: 'stopped', best: { runId: run.runId }, counts: { completed: 1, running: 1 } });
    const again = await api.call('POST', '/studies', body, { 'idempotency-key': 'replay-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  const studiesNamed = async (name: string) => (await api.call('GET', '/studies?limit=100')).body.studies.filter((s: { name: string }) => s.name === name);

  it('answers the retry of a keyed create whose answer was lost with the study it made, not a second one (failure injected in the client)', async () => {
    const body = { name: 'lost-create', space };
    failNext(api.table.raw, (op, i) => op === 'PutItem' && i.Item?.name === 'lost-create', 'after');
    expect((await api.call('POST', '/studies', body, { 'idempotency-key': 'lost-1' })).status).toBe(500);
    const retry = await api.call('POST', '/studies', body, { 'idempotency-key': 'lost-1' });
    expect(retry.status).toBe(201);
    const made = await studiesNamed('lost-create');
    expect(made.map((s: { studyId: string }) => s.studyId)).toEqual([retry.body.studyId]);
  });

  it('clears what a keyed warm-started create left before its study item when the retry carries another body (failure injected in the client)', async () => {
    const runs = (n: number) => Array.from({ length: n }, (_, i) => ({ params: { lr: 0.001, layers: 1 + (i % 8), opt: 'sgd' }, value: i }));
    failNext(api.table.raw, (op, i) => op === 'PutItem' && i.Item?.sk === '#STUDY' && i.Item?.name === 'warm-keyed');
    expect((await api.call('POST', '/studies', { name: 'warm-keyed', space, warmStartFrom: { runs: runs(40) } }, { 'idempotency-key': 'warm-1' })).status).toBe(500);
    // The client changes its mind (a bug, but not one to corrupt the study over): 25 runs under the same key.
    const retry = await api.call('POST', '/studies', { name: 'warm-keyed', space, warmStartFrom: { runs: runs(25) } }, { 'idempotency-key': 'warm-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ warmStartRuns: 25, warmStartSkipped: 0 });
    expect(await api.deps.store.loadPriors(retry.body.studyId)).toHaveLength(25);
    const again = await api.call('POST', '/studies', { name: 'warm-keyed', space, warmStartFrom: { runs: runs(25) } }, { 'idempotency-key': 'warm-1' });
    expect(again.body).toEqual(retry.body);
  });

  it('stops a study: asks get 409 StudyStopped, running runs still complete', async () => {
    const { body: study } = await api.call('POST', '/studies', { name: 'stop', space });
    const run = (await api.call('POST', `/studies/${study.studyId}/runs`)).body;
    const stopped = await api.call('POST', `/studies/${study.studyId}/stop`);
    expect(stopped.body.state).toBe('stopped');
    const again = await api.call('POST', `/studies/${study.studyId}/runs`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('StudyStopped');
    expect((await api.call('POST', `/studies/${study.studyId}/runs/${run.runId}/complete`, { value: 1 })).status).toBe(200);
    expect((await api.call('POST', `/studies/${study.studyId}/stop`)).status).toBe(200);
    expect(api.events.events.filter((e) => e.studyId === study.studyId && e.eventType === 'StudyStopped')).toHaveLength(1);
  });
});
