/** Pruning decided on the spot through the metrics route, stored and published once (dynalite). */
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../support/api';
import { failNext } from '../support/faults';

const space = { x: { type: 'float', low: 0, high: 1 } };

describe('pruning through the metrics route (dynalite)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });
  const ask = async (id: string) => (await api.call('POST', `/studies/${id}/runs`)).body;
  const report = (id: string, runId: string, step: number, value: number) => api.call('POST', `/studies/${id}/runs/${runId}/metrics`, { step, value });

  it('prunes a run worse than the median at a step once startup runs finished, and stores it as pruned', async () => {
    const id = (await api.call('POST', '/studies', { name: 'median', space, pruner: { name: 'median', startupRuns: 3 } })).body.studyId;
    for (const v of [0.2, 0.3, 0.4]) {
      const r = await ask(id);
      expect((await report(id, r.runId, 1, v)).body.prune).toBe(false);
      await api.call('POST', `/studies/${id}/runs/${r.runId}/complete`, { value: v });
    }
    const good = await ask(id);
    expect((await report(id, good.runId, 1, 0.25)).body).toEqual({ prune: false });
    const bad = await ask(id);
    const decision = await report(id, bad.runId, 1, 0.9);
    expect(decision.status).toBe(200);
    expect(decision.body.prune).toBe(true);
    expect(decision.body.reason).toMatch(/worse .*median 0\.275/);
    // The same report again gets the same answer; the run stays pruned with its last value.
    expect((await report(id, bad.runId, 1, 0.9)).body.prune).toBe(true);
    expect(await api.deps.store.getRun(id, bad.runId)).toMatchObject({ state: 'pruned', value: 0.9 });
    const late = await api.call('POST', `/studies/${id}/runs/${bad.runId}/complete`, { value: 0.9 });
    expect(late.body.error.code).toBe('RunNotRunning');
    const pruned = api.events.events.filter((e) => e.studyId === id && e.eventType === 'RunPruned');
    expect(pruned).toHaveLength(1);
    expect(pruned[0]).toMatchObject({ runId: bad.runId, data: { step: 1, value: 0.9 } });
    const study = await api.call('GET', `/studies/${id}`);
    expect(study.body.counts).toMatchObject({ completed: 3, running: 1, pruned: 1 });
    expect(await api.deps.store.countFinishedRuns(id, 100)).toBe(4);
  });

  it('counts startup runs from the runs themselves: a completion whose study update failed still counts, once (failure injected in the client)', async () => {
    const id = (await api.call('POST', '/studies', { name: 'startup', space, pruner: { name: 'median', startupRuns: 2 } })).body.studyId;
    const first = await ask(id);
    await report(id, first.runId, 1, 0.2);
    // The run is stored completed, then the study update fails: the trainer sees a 500 and retries twice.
    failNext(api.table.raw, (op, i) => op === 'UpdateItem' && (i.Key?.sk?.S ?? i.Key?.sk) === '#STUDY');
    expect((await api.call('POST', `/studies/${id}/runs/${first.runId}/complete`, { value: 0.2 })).status).toBe(500);
    for (let i = 0; i < 2; i++) expect((await api.call('POST', `/studies/${id}/runs/${first.runId}/complete`, { value: 0.2 })).status).toBe(200);
    // One finished run of the two needed: nothing is pruned yet, however many times the first was repeated.
    const second = await ask(id);
    const early = await report(id, second.runId, 1, 0.9);
    expect(early.body).toEqual({ prune: false });
    await api.call('POST', `/studies/${id}/runs/${second.runId}/complete`, { value: 0.9 });
    expect((await api.deps.store.getStudy(id))?.prunerStarted).toBeUndefined();
    // Two finished: the third run's bad value is pruned, and the study remembers it need not count again.
    const third = await ask(id);
    expect((await report(id, third.runId, 1, 5)).body.prune).toBe(true);
    expect((await api.deps.store.getStudy(id))?.prunerStarted).toBe(true);
  });

  it('keeps only the best third at an ASHA rung', async () => {
    const id = (await api.call('POST', '/studies', { name: 'asha', space, direction: 'maximize', pruner: { name: 'asha', minResource: 2, reductionFactor: 3 } })).body.studyId;
    const decisions: boolean[] = [];
    for (const v of [0.5, 0.9, 0.1, 0.8, 0.95, 0.2]) {
      const r = await ask(id);
      await report(id, r.runId, 1, v);
      decisions.push((await report(id, r.runId, 2, v)).body.prune);
    }
    // Rung at step 2: a run continues only if it is within the best floor(n/3) (at least 1) so far.
    expect(decisions).toEqual([false, false, true, true, false, true]);
  });
});
