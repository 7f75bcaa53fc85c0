import { beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_LEASE_MS } from '../../lib/tuner/defaults';
import { testApi, type TestApi } from '../support/api';
import { failWhile } from '../support/faults';

const space = { x: { type: 'float', low: -5, high: 5 }, n: { type: 'int', low: 1, high: 100, log: true } };

describe('ask (dynalite, real conditional writes)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });

  async function study(body: Record<string, unknown> = {}) {
    const r = await api.call('POST', '/studies', { name: 'ask', space, ...body });
    expect(r.status).toBe(201);
    return r.body.studyId as string;
  }

  it('hands out dense run numbers from 0 with uuid run ids and params inside the space', async () => {
    const id = await study();
    for (let i = 0; i < 5; i++) {
      const r = await api.call('POST', `/studies/${id}/runs`, { workerId: 'w1' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ studyId: id, number: i, state: 'running', workerId: 'w1', source: 'strategy' });
      expect(r.body.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.body.params.x).toBeGreaterThanOrEqual(-5);
      expect(r.body.params.x).toBeLessThanOrEqual(5);
      expect(Number.isInteger(r.body.params.n)).toBe(true);
    }
  });

  it('proposes the same params for the same seed and history', async () => {
    const a = await study({ strategy: { name: 'random', seed: 42 } });
    const b = await study({ strategy: { name: 'random', seed: 42 } });
    const c = await study({ strategy: { name: 'random', seed: 43 } });
    const pa = [], pb = [], pc = [];
    for (let i = 0; i < 3; i++) {
      pa.push((await api.call('POST', `/studies/${a}/runs`)).body.params);
      pb.push((await api.call('POST', `/studies/${b}/runs`)).body.params);
      pc.push((await api.call('POST', `/studies/${c}/runs`)).body.params);
    }
    expect(pa).toEqual(pb);
    expect(pa).not.toEqual(pc);
  });

  it('gives 16 parallel trainers x 25 asks 400 distinct run numbers 0..399', async () => {
    const id = await study({ strategy: { name: 'random' } });
    const trainer = async (w: number) => {
      const numbers: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await api.call('POST', `/studies/${id}/runs`, { workerId: `w${w}` });
        expect(r.status).toBe(201);
        numbers.push(r.body.number);
      }
      return numbers;
    };
    const all = (await Promise.all(Array.from({ length: 16 }, (_, w) => trainer(w)))).flat();
    expect(all).toHaveLength(400);
    expect([...all].sort((p, q) => p - q)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const stored = await api.deps.store.loadRuns(id);
    expect(stored.map((r) => r.number)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(new Set(stored.map((r) => r.runId)).size).toBe(400);
    // Heavy by design (every lost race is a real conditional write on dynalite): allow a loaded CI box.
  }, 120_000);

  it('ends with exactly maxRuns runs when 16 trainers race past it', async () => {
    const id = await study({ maxRuns: 50 });
    const codes: string[] = [];
    const trainer = async () => {
      let got = 0;
      for (;;) {
        const r = await api.call('POST', `/studies/${id}/runs`);
        if (r.status !== 201) {
          codes.push(r.body.error.code);
          expect(r.status).toBe(409);
          return got;
        }
        got++;
      }
    };
    const got = await Promise.all(Array.from({ length: 16 }, trainer));
    expect(got.reduce((s, n) => s + n, 0)).toBe(50);
    expect(new Set(codes)).toEqual(new Set(['StudyExhausted']));
    expect(await api.deps.store.loadRuns(id)).toHaveLength(50);
  });

  it('stores enqueued and warm-start values of a stepped float on the exact grid value, float noise and all', async () => {
    const stepped = { x: { type: 'float', low: 0, high: 1, step: 0.1 } };
    const warm = (await api.call('POST', '/studies', { name: 'noisy', space: stepped, warmStartFrom: { runs: [{ params: { x: 0.1 + 0.2 }, value: 1 }] } })).body.studyId;
    expect((await api.deps.store.loadPriors(warm))[0].params).toEqual({ x: 0.3 });
    const id = (await api.call('POST', '/studies', { name: 'noisy', space: stepped, strategy: { name: 'grid' } })).body.studyId;
    const enqueued = await api.call('POST', `/studies/${id}/runs/enqueue`, { params: { x: 0.1 + 0.2 } });
    expect(enqueued.body.enqueued[0].params).toEqual({ x: 0.3 });
    const xs: number[] = [];
    for (let i = 0; i < 11; i++) xs.push((await api.call('POST', `/studies/${id}/runs`, {})).body.params.x);
    // The enqueued 0.3 is the grid's 0.3: the grid hands out the ten others, then it is exhausted.
    expect(xs.sort((a, b) => a - b)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect((await api.call('POST', `/studies/${id}/runs`, {})).body.error.code).toBe('StudyExhausted');
  });

  it('hands out every grid point exactly once to concurrent askers, then answers StudyExhausted', async () => {
    const r = await api.call('POST', '/studies', {
      name: 'grid',
      space: { a: { type: 'int', low: 0, high: 5 }, b: { type: 'categorical', choices: ['x', 'y', 'z'] }, c: { type: 'float', low: 0, high: 1, step: 0.5 } },
      strategy: { name: 'grid' },
    });
    const id = r.body.studyId;
    const keys: string[] = [];
    const codes: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const a = await api.call('POST', `/studies/${id}/runs`);
          if (a.status !== 201) return codes.push(a.body.error.code);
          keys.push(JSON.stringify(a.body.params));
        }
      }),
    );
    expect(keys).toHaveLength(6 * 3 * 3);
    expect(new Set(keys).size).toBe(54);
    expect(new Set(codes)).toEqual(new Set(['StudyExhausted']));
  });

  it('hands out every grid point not used by a run of the study: off-grid enqueued runs and warm-start priors use up none, an enqueued or retried run on a grid point uses up that one', async () => {
    const grid = { name: 'grid', gridPoints: 3 }; // x in {0, 0.5, 1}
    const asks = async (id: string, n: number) => {
      const out: { status: number; x?: number; source?: string; code?: string }[] = [];
      for (let i = 0; i < n; i++) {
        const r = await api.call('POST', `/studies/${id}/runs`);
        out.push(r.status === 201 ? { status: 201, x: r.body.params.x, source: r.body.source } : { status: r.status, code: r.body.error.code });
      }
      return out;
    };
    const gridOf = (out: Awaited<ReturnType<typeof asks>>) => out.filter((o) => o.source === 'strategy').map((o) => o.x).sort();
    const exhausted = { status: 409, code: 'StudyExhausted' };

    // Three enqueued runs off the grid, then the three grid points, then 409.
    const a = await study({ space: { x: { type: 'float', low: 0, high: 1 } }, strategy: grid });
    expect((await api.call('POST', `/studies/${a}/runs/enqueue`, { params: [{ x: 0.1 }, { x: 0.2 }, { x: 0.3 }] })).status).toBe(201);
    const outA = await asks(a, 7);
    expect(outA.slice(0, 3).map((o) => o.source)).toEqual(['enqueued', 'enqueued', 'enqueued']);
    expect(gridOf(outA)).toEqual([0, 0.5, 1]);
    expect(outA[6]).toEqual(exhausted);

    // Warm-start priors, off the grid and on it, teach but use up no grid point.
    const b = await study({
      space: { x: { type: 'float', low: 0, high: 1 } },
      strategy: grid,
      warmStartFrom: { runs: [{ params: { x: 0.25 }, value: 1 }, { params: { x: 0.5 }, value: 2 }] },
    });
    const outB = await asks(b, 4);
    expect(gridOf(outB)).toEqual([0, 0.5, 1]);
    expect(outB[3]).toEqual(exhausted);

    // An enqueued run on a grid point, and a retry of it, use up that point: two strategy runs, then 409.
    const c = await study({ space: { x: { type: 'float', low: 0, high: 1 } }, strategy: grid, retryFailed: 1 });
    await api.call('POST', `/studies/${c}/runs/enqueue`, { params: { x: 0.5 } });
    const first = (await api.call('POST', `/studies/${c}/runs`)).body;
    expect(first).toMatchObject({ source: 'enqueued', params: { x: 0.5 } });
    await api.call('POST', `/studies/${c}/runs/${first.runId}/complete`, { status: 'failed' });
    const outC = await asks(c, 4);
    expect(outC[0]).toMatchObject({ source: 'retry', x: 0.5 });
    expect(gridOf(outC)).toEqual([0, 1]);
    expect(outC[3]).toEqual(exhausted);
  });

  it('returns the same run for a repeated Idempotency-Key, also when the repeats race', async () => {
    const id = await study();
    const first = await api.call('POST', `/studies/${id}/runs`, { workerId: 'w' }, { 'idempotency-key': 'req-1' });
    const again = await api.call('POST', `/studies/${id}/runs`, { workerId: 'w' }, { 'idempotency-key': 'req-1' });
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const racing = await Promise.all(Array.from({ length: 8 }, () => api.call('POST', `/studies/${id}/runs`, { requestId: 'req-2' })));
    expect(new Set(racing.map((r) => r.body.runId)).size).toBe(1);
    expect(racing.every((r) => r.status === 201)).toBe(true);
    expect(await api.deps.store.loadRuns(id)).toHaveLength(2);
  });

  it('refuses an Idempotency-Key reused with a different body', async () => {
    const id = await study();
    await api.call('POST', `/studies/${id}/runs`, { workerId: 'a' }, { 'idempotency-key': 'k' });
    const r = await api.call('POST', `/studies/${id}/runs`, { workerId: 'b' }, { 'idempotency-key': 'k' });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('IdempotencyKeyReused');
  });

  it('does not keep the idempotency claim of an ask that failed, so its retry can succeed', async () => {
    const id = await study({ maxRuns: 1 });
    await api.call('POST', `/studies/${id}/runs`);
    const r = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'late' });
    expect(r.body.error.code).toBe('StudyExhausted');
    const again = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'late' });
    expect(again.body.error.code).toBe('StudyExhausted');
  });

  /** Makes every `finish` (marking the key done) or `release` (giving the claim up) of this key fail, as if the ask's process died there. */
  function crashOnClaim(step: 'finish' | 'release', key: string): () => void {
    const marker = step === 'finish' ? ':done' : ':zero';
    return failWhile(api.table.raw, (op, i) => op === 'UpdateItem' && i.Key?.sk === `REQ#${key}` && marker in (i.ExpressionAttributeValues ?? {}));
  }

  it('answers the retry of an ask that made its run but failed to record its key with that run, not a second one (failure injected in the client)', async () => {
    const id = await study({ maxRuns: 1 });
    const heal = crashOnClaim('finish', 'made-it');
    const failed = await api.call('POST', `/studies/${id}/runs`, { workerId: 'w' }, { 'idempotency-key': 'made-it' });
    heal();
    expect(failed.status).toBe(500);
    const [made] = await api.deps.store.loadRuns(id);
    expect(made).toMatchObject({ number: 0, requestId: 'made-it' });
    // The key still belongs to that body...
    const other = await api.call('POST', `/studies/${id}/runs`, { workerId: 'other' }, { 'idempotency-key': 'made-it' });
    expect(other.body.error?.code).toBe('IdempotencyKeyReused');
    // ...and its retry gets the run (even though it used up maxRuns), then every repeat does.
    for (let i = 0; i < 2; i++) {
      const retry = await api.call('POST', `/studies/${id}/runs`, { workerId: 'w' }, { 'idempotency-key': 'made-it' });
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ runId: made.runId, number: 0 });
    }
    expect(await api.deps.store.loadRuns(id)).toHaveLength(1);
  });

  it('answers that retry with the run also when the study was stopped in between (failure injected in the client)', async () => {
    const id = await study();
    const heal = crashOnClaim('finish', 'then-stopped');
    expect((await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'then-stopped' })).status).toBe(500);
    heal();
    expect((await api.call('POST', `/studies/${id}/stop`, {})).status).toBe(200);
    const retry = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'then-stopped' });
    expect(retry.status).toBe(201);
    expect(retry.body.number).toBe(0);
    expect((await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'new-key' })).body.error?.code).toBe('StudyStopped');
    expect((await api.call('POST', `/studies/${id}/runs`, {})).body.error?.code).toBe('StudyStopped');
  });

  it('answers the retry of an ask that died holding its claim with the run it made, once the lease has run out (failure injected in the client)', async () => {
    const id = await study();
    const heal = [crashOnClaim('finish', 'died'), crashOnClaim('release', 'died')];
    expect((await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'died' })).status).toBe(500);
    heal.forEach((h) => h());
    const busy = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'died' });
    expect(busy.body.error?.code).toBe('RequestInProgress'); // the claim is still leased to the dead ask
    api.advance(REQUEST_LEASE_MS + 1);
    const retry = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'died' });
    expect(retry.status).toBe(201);
    expect(retry.body.number).toBe(0);
    expect(await api.deps.store.loadRuns(id)).toHaveLength(1);
  });
});
