/**
 * Requests that overlap in the worst places (dynalite; the interleavings and failures are injected
 * through the real client's middleware): a DELETE landing inside another request, two stops at once,
 * a run's reports handled out of order, a sweep whose transitions partly fail, and an ask that runs out
 * of its function's time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as askHandler } from '../../functions/ask';
import { toProxyEvent } from '../../infra/local/proxy-event';
import { ANSWER_RESERVE_MS } from '../../lib/http/handler';
import { DELETE_CLAIM_MS, DELETION_GRACE_MS } from '../../lib/store/dynamo-store';
import { sweep } from '../../lib/tuner/sweep';
import { sweepTimeouts } from '../../lib/tuner/timeouts';
import { setDeps } from '../../lib/wiring';
import { REQUEST_LEASE_MS } from '../../lib/tuner/defaults';
import { testApi, type Reply, type TestApi } from '../support/api';
import { failNext, interleaveBefore } from '../support/faults';

const space = { x: { type: 'float', low: 0, high: 1 } };
const str = (v: any): string => (typeof v === 'string' ? v : (v?.S ?? ''));

describe('racing requests (dynalite, interleavings injected in the client)', () => {
  let api: TestApi;
  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    api = await testApi();
  });
  const create = async (extra: Record<string, unknown> = {}) => (await api.call('POST', '/studies', { name: 'race', space, ...extra })).body.studyId as string;
  const typesOf = (id: string) => api.events.events.filter((e) => e.studyId === id).map((e) => e.eventType);
  /** Runs `del` (a DELETE of `id`) just before the next call that matches. */
  const deleteBefore = (id: string, matches: (op: string, input: Record<string, any>) => boolean) =>
    interleaveBefore(api.table.raw, matches, async () => expect((await api.call('DELETE', `/studies/${id}`)).status).toBe(204));
  /** Every item left under the study's partition key. */
  const leftUnder = async (id: string) => {
    const runs = await api.deps.store.loadRuns(id);
    const queue = await api.deps.store.loadQueue(id);
    const curve = await api.deps.store.getCurve(id, 0);
    return runs.length + queue.length + curve.size;
  };

  it('sweeps a metric written just after its study was deleted, once every request that raced the DELETE has ended', async () => {
    const id = await create();
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    deleteBefore(id, (op, i) => op === 'PutItem' && str(i.Item?.sk).startsWith('METRIC#'));
    const answer = await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: 0.5 });
    // The run went with its study: 404, not a 409 about a run that is "running", nor a 500.
    expect([answer.status, answer.body.error?.code]).toEqual([404, 'RunNotFound']);
    expect(await leftUnder(id)).toBe(1); // the metric, written after the DELETE's own sweep
    await sweep(api.deps);
    expect(await leftUnder(id)).toBe(1); // kept until the grace is over: a request may still be writing
    api.advance(DELETION_GRACE_MS + 1);
    await sweep(api.deps);
    expect(await leftUnder(id)).toBe(0);
    expect(await api.deps.store.pendingDeletions(10, Number.MAX_SAFE_INTEGER)).not.toContain(id);
  });

  it('answers an enqueue whose study was deleted under it 404, and sweeps entries written after the DELETE', async () => {
    const gone = await create();
    deleteBefore(gone, (op, i) => op === 'UpdateItem' && str(i.Key?.pk) === `STUDY#${gone}` && str(i.Key?.sk) === '#STUDY');
    const refused = await api.call('POST', `/studies/${gone}/runs/enqueue`, { params: { x: 0.1 } });
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'StudyNotFound']);

    const late = await create();
    deleteBefore(late, (op) => op === 'BatchWriteItem');
    expect((await api.call('POST', `/studies/${late}/runs/enqueue`, { params: [{ x: 0.1 }, { x: 0.2 }] })).status).toBe(201);
    expect(await leftUnder(late)).toBe(2);
    api.advance(DELETION_GRACE_MS + 1);
    await sweep(api.deps);
    expect(await leftUnder(late)).toBe(0);
  });

  it('answers a keyed ask whose study was deleted while it ran 404, not 500', async () => {
    const id = await create();
    deleteBefore(id, (op, i) => op === 'UpdateItem' && str(i.Key?.sk).startsWith('REQ#') && String(i.UpdateExpression).includes(':done'));
    const answer = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'doomed' });
    expect([answer.status, answer.body.error?.code]).toEqual([404, 'StudyNotFound']);
    api.advance(DELETION_GRACE_MS + 1);
    await sweep(api.deps);
    expect(await leftUnder(id)).toBe(0);
  });

  it('answers a completion whose study was deleted under it 404', async () => {
    const id = await create();
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    deleteBefore(id, (op, i) => op === 'UpdateItem' && str(i.Key?.sk).startsWith('RUN#'));
    const answer = await api.call('POST', `/studies/${id}/runs/${run.runId}/complete`, { value: 1 });
    expect([answer.status, answer.body.error?.code]).toEqual([404, 'RunNotFound']);
  });

  it('lets exactly one of two DELETEs at once go on: the other is told to retry, and its retry finds the study gone', async () => {
    const id = await create();
    const answers = await Promise.all([api.call('DELETE', `/studies/${id}`), api.call('DELETE', `/studies/${id}`)]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect([refused.body.error.code, refused.headers['retry-after']]).toEqual(['RequestInProgress', '1']);
    expect((await api.call('DELETE', `/studies/${id}`)).status).toBe(404);
    expect(typesOf(id).filter((t) => t === 'StudyDeleted')).toHaveLength(1);
  });

  it('finishes a DELETE that died after claiming the study: its retry once the claim is stale, or else the sweeper (failure injected in the client)', async () => {
    const deleteFails = (id: string) => failNext(api.table.raw, (op, i) => op === 'DeleteItem' && str(i.Key?.pk) === `STUDY#${id}` && str(i.Key?.sk) === '#STUDY');
    const retried = await create();
    deleteFails(retried);
    expect((await api.call('DELETE', `/studies/${retried}`)).status).toBe(500);
    expect((await api.call('DELETE', `/studies/${retried}`)).body.error.code).toBe('RequestInProgress'); // it might still be running
    api.advance(DELETE_CLAIM_MS + 1);
    expect((await api.call('DELETE', `/studies/${retried}`)).status).toBe(204);
    expect((await api.call('GET', `/studies/${retried}`)).status).toBe(404);
    expect(typesOf(retried).filter((t) => t === 'StudyDeleted')).toHaveLength(1);

    const abandoned = await create();
    deleteFails(abandoned);
    expect((await api.call('DELETE', `/studies/${abandoned}`)).status).toBe(500);
    expect((await sweep(api.deps)).deletionsPending).toBeGreaterThan(0); // not while the DELETE could still be running
    expect((await api.call('GET', `/studies/${abandoned}`)).status).toBe(200);
    api.advance(DELETE_CLAIM_MS + 1);
    await sweep(api.deps);
    expect((await api.call('GET', `/studies/${abandoned}`)).status).toBe(404);
    expect(typesOf(abandoned).filter((t) => t === 'StudyDeleted')).toHaveLength(1);
  });

  it("deletes a study whose partition is at DynamoDB's 10 GB limit, where writes that grow it are refused (the limit simulated in the client)", async () => {
    const id = await create();
    const full = Object.assign(new Error('Item collection size limit exceeded'), { name: 'ItemCollectionSizeLimitExceededException' });
    api.table.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const key = str((args.input as any).Key?.pk ?? (args.input as any).Item?.pk);
        if (key === `STUDY#${id}` && ['PutItemCommand', 'UpdateItemCommand'].includes(context.commandName ?? '')) throw full;
        return next(args);
      },
      { step: 'initialize', name: 'full' },
    );
    try {
      const run = await api.call('POST', `/studies/${id}/runs`, {});
      expect([run.status, run.body.error?.code]).toEqual([409, 'StudyTooLarge']);
      expect((await api.call('DELETE', `/studies/${id}`)).status).toBe(204);
    } finally {
      api.table.raw.middlewareStack.remove('full');
    }
  });

  it('announces a study stopped once when two stops arrive together', async () => {
    const id = await create();
    // The second stop reads the study before the first changes it, so both try to change it.
    interleaveBefore(
      api.table.raw,
      (op, i) => op === 'UpdateItem' && str(i.Key?.sk) === '#STUDY' && String(i.UpdateExpression).includes('stateBy'),
      () => api.call('POST', `/studies/${id}/stop`, {}),
    );
    const first = await api.call('POST', `/studies/${id}/stop`, {});
    expect([first.status, first.body.state]).toEqual([200, 'stopped']);
    expect(typesOf(id).filter((t) => t === 'StudyStopped')).toHaveLength(1);
  });

  it('keeps the newest step as the run\'s last when its reports are handled out of order, and still moves the deadline', async () => {
    const id = await create({ metricTimeoutSeconds: 60 });
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    // Step 5's request has read the run; step 6 is handled in full before step 5 updates the run.
    // Step 6 arrived a second earlier (an earlier deadline), so only step 5's retry can move it later.
    interleaveBefore(
      api.table.raw,
      (op, i) => op === 'UpdateItem' && str(i.Key?.sk).startsWith('RUN#'),
      async () => {
        api.advance(-1000);
        await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 6, value: 0.6 });
        api.advance(1000);
      },
    );
    api.advance(1000);
    await api.call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 5, value: 0.5 });
    const stored = await api.deps.store.getRun(id, run.runId);
    expect(stored).toMatchObject({ lastStep: 6, lastValue: 0.6, state: 'running' });
    expect(stored?.deadline).toBe(api.deps.clock() + 60_000);
  });

  it('announces every run the sweep timed out even when another run\'s transition failed (failure injected in the client)', async () => {
    const id = await create({ metricTimeoutSeconds: 1 });
    const runs = [(await api.call('POST', `/studies/${id}/runs`, {})).body, (await api.call('POST', `/studies/${id}/runs`, {})).body];
    api.advance(2000);
    failNext(api.table.raw, (op, i) => op === 'UpdateItem' && str(i.Key?.sk).endsWith(String(runs[1].number).padStart(10, '0')));
    expect((await sweepTimeouts(api.deps)).failed).toBe(1);
    expect((await api.deps.store.getRun(id, runs[0].runId))?.state).toBe('timed_out');
    expect(api.events.events.filter((e) => e.eventType === 'RunTimedOut' && e.runId === runs[0].runId)).toHaveLength(1);
    await sweepTimeouts(api.deps);
    expect(api.events.events.filter((e) => e.eventType === 'RunTimedOut' && e.studyId === id)).toHaveLength(2);
  });

  it('times out a run whose timeout is a fractional number of seconds', async () => {
    const id = await create({ metricTimeoutSeconds: 1.0005 });
    const run = (await api.call('POST', `/studies/${id}/runs`, {})).body;
    expect(Number.isInteger(run.deadline)).toBe(true);
    api.advance(2000);
    expect((await sweepTimeouts(api.deps)).timedOut).toBe(1);
    expect((await api.deps.store.getRun(id, run.runId))?.state).toBe('timed_out');
  });

  it('answers a keyed ask that outlived its lease with the run its takeover made, not a second run', async () => {
    const id = await create();
    let takeover: Reply | undefined;
    // The slow attempt is about to write its run when its lease runs out and the client's retry takes over.
    interleaveBefore(
      api.table.raw,
      (op, i) => op === 'PutItem' && str(i.Item?.sk).startsWith('RUN#'),
      async () => {
        api.advance(REQUEST_LEASE_MS + 1);
        takeover = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'slow' });
      },
    );
    const slow = await api.call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'slow' });
    expect([slow.status, takeover?.status]).toEqual([201, 201]);
    expect(slow.body.runId).toBe(takeover?.body.runId);
    expect((await api.deps.store.loadRuns(id)).map((r) => r.runId)).toEqual([slow.body.runId]);
  });

  it('answers a contended ask 429 with Retry-After before its Lambda function runs out of time', async () => {
    const id = await create();
    // Every run number is taken by the time this ask writes it: its writes fail their condition.
    const lost = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    let attempts = 0;
    api.table.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand' && str((args.input as any).Item?.sk).startsWith('RUN#')) {
          attempts++;
          throw lost;
        }
        return next(args);
      },
      { step: 'initialize', name: 'taken', priority: 'high' },
    );
    try {
      setDeps(api.deps);
      const url = new URL(`http://localhost/studies/${id}/runs`);
      const event = toProxyEvent({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{}', resource: '/studies/{studyId}/runs', pathParameters: { studyId: id } });
      // The function has just its reserve left: no time to catch up and try again.
      const res = await askHandler(event, { getRemainingTimeInMillis: () => ANSWER_RESERVE_MS });
      expect(res.statusCode).toBe(429);
      expect(res.headers?.['retry-after'] ?? res.headers?.['Retry-After']).toBeDefined();
      expect(attempts).toBe(1);
    } finally {
      api.table.raw.middlewareStack.remove('taken');
    }
  });
});
