/**
 * The scheduled sweep when part of it fails (dynalite; the failures are injected through the real
 * client's middleware): one study that fails must not hold back the others, nor timeouts deletions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/sweep';
import { deleteStudy } from '../../lib/tuner/studies';
import { sweep } from '../../lib/tuner/sweep';
import { setDeps } from '../../lib/wiring';
import { testApi, type TestApi } from '../support/api';
import { failWhile } from '../support/faults';

const space = { x: { type: 'float', low: 0, high: 1 } };

describe('the sweep with failures (dynalite, failures injected in the client)', () => {
  let api: TestApi;
  const logged: string[] = [];
  beforeAll(async () => {
    api = await testApi();
    api.deps.logger = { error: (message, extra) => void logged.push(`${message} ${JSON.stringify(extra)}`) };
  });

  /** A study with a running run and a metric, deleted with no time to sweep it: left to the sweeper. */
  async function leftForTheSweeper(): Promise<string> {
    const id = (await api.call('POST', '/studies', { name: 'swept', space, metricTimeoutSeconds: 60 })).body.studyId;
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: 0.5 });
    await deleteStudy(api.deps, id, 0);
    return id;
  }

  it('finishes the other deletions when one fails every time, and that one once it stops failing', async () => {
    const [stuck, other] = [await leftForTheSweeper(), await leftForTheSweeper()];
    const heal = failWhile(api.table.raw, (op, i) => op === 'Query' && i.ExpressionAttributeValues?.[':pk'] === `STUDY#${stuck}`);
    const first = await sweep(api.deps);
    expect(first).toMatchObject({ deletionsFinished: 1, deletionsPending: 1, failed: 1 });
    expect(await api.deps.store.loadRuns(other)).toEqual([]);
    expect(logged.some((l) => l.includes('a deletion failed') && l.includes(stuck))).toBe(true);
    heal();
    expect(await sweep(api.deps)).toMatchObject({ deletionsFinished: 1, deletionsPending: 0, failed: 0 });
    expect(await api.deps.store.loadRuns(stuck)).toEqual([]);
  });

  it('finishes deletions when timing out runs fails, and fails the invocation so the errors alarm sees it', async () => {
    const id = (await api.call('POST', '/studies', { name: 'silent', space, metricTimeoutSeconds: 60 })).body.studyId;
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    const deleted = await leftForTheSweeper();
    api.advance(61_000);
    const heal = failWhile(api.table.raw, (op, i) => op === 'Query' && i.IndexName === 'gsi1' && i.ExpressionAttributeValues?.[':p'] === 'RUNNING');
    setDeps(api.deps);
    await expect(handler()).rejects.toThrow('1 part(s) failed');
    expect(await api.deps.store.loadRuns(deleted)).toEqual([]);
    expect((await api.deps.store.getRunByNumber(id, run.number))?.state).toBe('running');
    heal();
    expect(await handler()).toMatchObject({ timedOut: 1, failed: 0 });
    expect((await api.deps.store.getRunByNumber(id, run.number))?.state).toBe('timed_out');
  });
});
