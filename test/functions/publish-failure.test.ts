/** The DynamoDB write is the truth: a publisher that fails never fails the request or undoes the write. */
import { beforeAll, describe, expect, it } from 'vitest';
import { setDeps } from '../../lib/wiring';
import { testApi, type TestApi } from '../support/api';

describe('when publishing events fails', () => {
  let api: TestApi;
  const logged: string[] = [];
  beforeAll(async () => {
    api = await testApi();
    api.deps.events = { publish: async () => Promise.reject(new Error('SNS is down')) };
    api.deps.logger = { error: (m) => void logged.push(m) };
    setDeps(api.deps);
  });

  it('still creates, proposes and completes, stores each change, and logs the lost events', async () => {
    const created = await api.call('POST', '/studies', { name: 'p', space: { x: { type: 'float', low: 0, high: 1 } } });
    expect(created.status).toBe(201);
    const run = await api.call('POST', `/studies/${created.body.studyId}/runs`);
    expect(run.status).toBe(201);
    const done = await api.call('POST', `/studies/${created.body.studyId}/runs/${run.body.runId}/complete`, { value: 0.5 });
    expect(done.status).toBe(200);
    const stored = await api.deps.store.getRun(created.body.studyId, run.body.runId);
    expect(stored).toMatchObject({ state: 'completed', value: 0.5 });
    expect((await api.deps.store.getStudy(created.body.studyId))?.best?.value).toBe(0.5);
    expect(logged.length).toBe(3);
  });
});
