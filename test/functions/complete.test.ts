import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../support/api';
import { failNext, type CallMatcher } from '../support/faults';

/** The study update that offers a completed run as best (a throttled one stands for any failure). */
const studyBestUpdate: CallMatcher = (op, i) => op === 'UpdateItem' && i.Key?.sk === '#STUDY' && i.UpdateExpression?.includes('best');

describe('complete and metrics (dynalite)', () => {
  let api: TestApi;
  let id: string;
  beforeAll(async () => {
    api = await testApi();
    id = (await api.call('POST', '/studies', { name: 'c', space: { x: { type: 'float', low: 0, high: 1 } } })).body.studyId;
  });
  const newRun = async () => (await api.call('POST', `/studies/${id}/runs`)).body;

  it('answers a repeated completion with the same value with the same answer', async () => {
    const run = await newRun();
    const a = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 0.3 });
    const b = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 0.3 });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect(a.body).toMatchObject({ state: 'completed', value: 0.3 });
    expect(api.events.events.filter((e) => e.runId === run.runId && e.eventType === 'RunCompleted')).toHaveLength(1);
  });

  it('records the best on the repeat of a completion whose first attempt stored the run but failed before the best (failure injected in the client)', async () => {
    // A throttled or timed-out study update after the run's own write: the trainer sees a 500 and retries.
    const s = (await api.call('POST', '/studies', { name: 'lost-best', space: { x: { type: 'float', low: 0, high: 1 } } })).body.studyId;
    const run = (await api.call('POST', `/studies/${s}/runs`)).body;
    failNext(api.table.raw, studyBestUpdate);
    expect((await api.call('POST', `/studies/${s}/runs/${run.runId}/complete`, { value: 0.25 })).status).toBe(500);
    expect((await api.deps.store.getStudy(s))?.best).toBeUndefined(); // the store, not GET: a GET repairs it (below)
    for (let i = 0; i < 2; i++) {
      const again = await api.call('POST', `/studies/${s}/runs/${run.runId}/complete`, { value: 0.25 });
      expect(again.status).toBe(200);
    }
    // Recorded by the repeat itself (the store, before any GET could repair it).
    expect((await api.deps.store.getStudy(s))?.best).toMatchObject({ runId: run.runId, value: 0.25 });
    expect((await api.call('GET', `/studies/${s}`)).body.best).toMatchObject({ runId: run.runId, value: 0.25 });
    expect(api.events.events.filter((e) => e.studyId === s && e.eventType === 'BestImproved')).toHaveLength(1);
  });

  it('repairs on a read of the study a best whose completion failed before offering it and was never retried (failure injected in the client)', async () => {
    const s = (await api.call('POST', '/studies', { name: 'healed-best', direction: 'maximize', space: { x: { type: 'float', low: 0, high: 1 } } })).body.studyId;
    const [a, b] = [(await api.call('POST', `/studies/${s}/runs`)).body, (await api.call('POST', `/studies/${s}/runs`)).body];
    expect((await api.call('POST', `/studies/${s}/runs/${a.runId}/complete`, { value: 0.4 })).status).toBe(200);
    failNext(api.table.raw, studyBestUpdate);
    expect((await api.call('POST', `/studies/${s}/runs/${b.runId}/complete`, { value: 0.9 })).status).toBe(500);
    expect((await api.deps.store.getStudy(s))?.best).toMatchObject({ runId: a.runId, value: 0.4 });
    // The trainer is gone; the next read of the study sees run b and makes it the best, once.
    for (let i = 0; i < 2; i++) expect((await api.call('GET', `/studies/${s}`)).body.best).toMatchObject({ runId: b.runId, value: 0.9 });
    expect((await api.call('GET', '/studies?limit=100')).body.studies.find((st: { studyId: string }) => st.studyId === s).best).toMatchObject({ runId: b.runId });
    const improved = api.events.events.filter((e) => e.studyId === s && e.eventType === 'BestImproved');
    expect(improved.map((e) => e.runId)).toEqual([a.runId, b.runId]);
  });

  it('takes a diverged loss far beyond 2^53 as a metric and a final value, and answers it back exactly', async () => {
    const s = (await api.call('POST', '/studies', { name: 'diverged', direction: 'maximize', space: { x: { type: 'float', low: 0, high: 1e21 } } })).body.studyId;
    const run = (await api.call('POST', `/studies/${s}/runs`)).body;
    expect((await api.call('POST', `/studies/${s}/runs/${run.runId}/metrics`, { step: 1, value: 3.5e19 })).status).toBe(200);
    const done = await api.call('POST', `/studies/${s}/runs/${run.runId}/complete`, { value: 1.2345678901234567e25 });
    expect(done.status).toBe(200);
    expect(done.body.value).toBe(1.2345678901234567e25);
    expect((await api.call('GET', `/studies/${s}`)).body.best).toMatchObject({ runId: run.runId, value: 1.2345678901234567e25 });
    const listed = (await api.call('GET', `/studies/${s}/runs`)).body.runs[0];
    expect(listed.value).toBe(1.2345678901234567e25);
    expect(listed.params.x).toBe(run.params.x);
    expect((await api.call('GET', `/studies/${s}/export`)).body.runs[0].value).toBe(1.2345678901234567e25);
    // The next ask learns from that history rather than failing to read it back.
    expect((await api.call('POST', `/studies/${s}/runs`)).status).toBe(201);
  });

  it('takes every double below 1e126 in magnitude, the largest ones included, and refuses 1e126', async () => {
    // The 20 largest doubles below 1e126 (the double nearest 1e126 is below 10^126 but is written "1e+126").
    const bits = new BigUint64Array(new Float64Array([1e126]).buffer);
    const largest = Array.from({ length: 20 }, (_, i) => new Float64Array(new BigUint64Array([bits[0] - 1n - BigInt(i)]).buffer)[0]);
    expect(largest[0]).toBe(9.999999999999998e125);
    for (const v of [...largest, -largest[0]]) {
      const run = await newRun();
      expect((await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: v })).status).toBe(200);
      const done = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: v });
      expect(done.status, String(v)).toBe(200);
      expect(Object.is((await api.deps.store.getRun(id, run.runId))?.value, v)).toBe(true);
      expect(Object.is((await api.deps.store.getCurve(id, run.number)).get(1), v)).toBe(true);
    }
    const over = await api.call('POST', `/studies/${id}/runs/${(await newRun()).runId}/complete`, { value: 1e126 });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toMatch(/^value: must be 0 or have a magnitude from 1e-130 up to, not including, 1e126/);
  });

  it('refuses a different value for a completed run with 409 RunAlreadyCompleted', async () => {
    const run = await newRun();
    await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 1 });
    const r = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 2 });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'RunAlreadyCompleted', details: { value: 1 } });
    expect((await api.deps.store.getRun(id, run.runId))?.value).toBe(1);
  });

  it('lets exactly one of two racing completions win', async () => {
    const run = await newRun();
    const [a, b] = await Promise.all([
      api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 5 }),
      api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 6 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const stored = await api.deps.store.getRun(id, run.runId);
    expect(stored?.value).toBe((a.status === 200 ? a : b).body.value);
    expect(api.events.events.filter((e) => e.runId === run.runId && e.eventType === 'RunCompleted')).toHaveLength(1);
  });

  it('records a failed run with its reason, and a repeat of it is answered the same', async () => {
    const run = await newRun();
    const a = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { status: 'failed', reason: 'diverged' });
    const b = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { status: 'failed', reason: 'diverged' });
    expect(a.body).toMatchObject({ state: 'failed', failReason: 'diverged' });
    expect(b.status).toBe(200);
    const c = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 1 });
    expect(c.body.error.code).toBe('RunNotRunning');
  });

  it('answers 404 RunNotFound for an unknown run and StudyNotFound for an unknown study', async () => {
    const r = await api.call('POST', `/studies/${id}/runs/00000000-0000-4000-8000-000000000000/complete`, { value: 1 });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('RunNotFound');
    const s = await api.call('POST', `/studies/00000000-0000-4000-8000-000000000000/runs/00000000-0000-4000-8000-000000000000/complete`, { value: 1 });
    expect(s.body.error.code).toBe('StudyNotFound');
  });

  it('stores metrics per step: a repeat is idempotent, a different value for the step is 409', async () => {
    const run = await newRun();
    const a = await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: 0.9 });
    expect(a).toMatchObject({ status: 200, body: { prune: false } });
    expect((await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: 0.9 })).status).toBe(200);
    const c = await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: 0.8 });
    expect(c.status).toBe(409);
    expect(c.body.error).toMatchObject({ code: 'MetricConflict', details: { step: 1, stored: 0.9, sent: 0.8 } });
    expect(api.events.events.filter((e) => e.runId === run.runId && e.eventType === 'MetricReported')).toHaveLength(1);
    const stored = await api.deps.store.getRun(id, run.runId);
    expect(stored).toMatchObject({ lastStep: 1, lastValue: 0.9 });
  });
});
