/**
 * The DynamoDB grants of functions/routes.ts against the calls the handlers really make: every route
 * (and the sweeper) runs for real against dynalite through its happy paths, repeats, idempotent
 * replays, races and injected failures, and each call is recorded with the handler that made it. A call
 * outside the handler's declared grants would be AccessDenied in AWS, so it fails here first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readsOnly, routes, scheduled, type TableAccess } from '../../functions/routes';
import { matchRoute } from '../../infra/local/router';
import { sweep } from '../../lib/tuner/sweep';
import { testApi, type TestApi } from '../support/api';
import { failNext } from '../support/faults';

/** `Query@index:lsi1`, `UpdateItem@table`: what a grant has to cover. */
function grantFor(op: string, input: Record<string, any>): string {
  return `${op}@${input.IndexName ? `index:${input.IndexName}` : 'table'}`;
}

function declaredGrants(access: TableAccess): Set<string> {
  return new Set([...access.items.map((a) => `${a}@table`), ...access.query.map((q) => (q === 'table' ? 'Query@table' : `Query@index:${q}`))]);
}

const space = {
  lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
  layers: { type: 'int', low: 1, high: 8 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
};
const params = { lr: 0.01, layers: 2, opt: 'sgd' };

describe('DynamoDB grants against the calls each handler makes', () => {
  let api: TestApi;
  /** The handler whose calls are being recorded (requests of one handler may run at once). */
  let current = 'setup';
  const seen = new Map<string, Set<string>>();

  async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const match = matchRoute(method, new URL(path, 'http://localhost').pathname);
    if (match.kind !== 'route') throw new Error(`no route ${method} ${path}`);
    current = match.route.handler;
    return api.call(method, path, body, headers);
  }

  beforeAll(async () => {
    // The injected failures would each log an error line; the logger is made on the first request.
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    api = await testApi();
    api.table.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const op = (context.commandName ?? '').replace(/Command$/, '');
        if (!seen.has(current)) seen.set(current, new Set());
        seen.get(current)!.add(grantFor(op, args.input as Record<string, any>));
        return next(args);
      },
      { step: 'initialize', name: 'recordGrantsNeeded', priority: 'high' },
    );

    // Studies: plain, keyed (and its replay), warm-started from a study and from runs.
    const study = (await call('POST', '/studies', { name: 'g', space, retryFailed: 1, pruner: { name: 'median', startupRuns: 1, minOthers: 1 } })).body;
    const id = study.studyId as string;
    await call('POST', '/studies', { name: 'keyed', space }, { 'idempotency-key': 'c-1' });
    await call('POST', '/studies', { name: 'keyed', space }, { 'idempotency-key': 'c-1' });

    // Enqueue: plain, keyed, replayed, and a keyed one whose answer was lost (its retry finds its entries).
    await call('POST', `/studies/${id}/runs/enqueue`, { params });
    await call('POST', `/studies/${id}/runs/enqueue`, { params: [params, { ...params, layers: 3 }] }, { 'idempotency-key': 'e-1' });
    await call('POST', `/studies/${id}/runs/enqueue`, { params: [params, { ...params, layers: 3 }] }, { 'idempotency-key': 'e-1' });
    failNext(api.table.raw, (op) => op === 'BatchWriteItem', 'after');
    await call('POST', `/studies/${id}/runs/enqueue`, { params }, { 'idempotency-key': 'e-2' });
    await call('POST', `/studies/${id}/runs/enqueue`, { params }, { 'idempotency-key': 'e-2' });

    // Asks: plain, keyed and replayed, and eight at once (losers re-read the runs).
    const runs = [];
    runs.push((await call('POST', `/studies/${id}/runs`, {})).body);
    runs.push((await call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'a-1' })).body);
    await call('POST', `/studies/${id}/runs`, {}, { 'idempotency-key': 'a-1' });
    runs.push(...(await Promise.all(Array.from({ length: 8 }, () => call('POST', `/studies/${id}/runs`, {})))).map((r) => r.body));

    // Metrics (the pruner reads curves and other runs' values and prunes), a repeat, a conflict; heartbeats.
    for (const [i, run] of runs.slice(0, 4).entries()) {
      await call('POST', `/studies/${id}/runs/${run.runId}/metrics`, { step: 1, value: i });
      await call('POST', `/studies/${id}/runs/${run.runId}/heartbeat`, {});
    }
    await call('POST', `/studies/${id}/runs/${runs[0].runId}/complete`, { value: 0 });
    await call('POST', `/studies/${id}/runs/${runs[0].runId}/complete`, { value: 0 });
    await call('POST', `/studies/${id}/runs/${runs[0].runId}/complete`, { value: 5 });
    await call('POST', `/studies/${id}/runs/${runs[1].runId}/complete`, { status: 'failed', reason: 'nan' });
    await call('POST', `/studies/${id}/runs/${runs[3].runId}/metrics`, { step: 2, value: 100 });
    await call('POST', `/studies/${id}/runs/${runs[3].runId}/metrics`, { step: 2, value: 100 });
    await call('POST', `/studies/${id}/runs/${runs[3].runId}/metrics`, { step: 2, value: 99 });
    await call('POST', `/studies/${id}/runs`, {}); // a retry of the failed run

    // Reads, after the remaining runs went silent past their deadline: each read times them out.
    api.advance(2 * 3600_000);
    await call('GET', `/studies/${id}/runs?limit=3`);
    await call('GET', '/studies?limit=2');
    await call('GET', `/studies/${id}/export`);
    await call('POST', `/studies/${id}/runs`, {});
    api.advance(2 * 3600_000);
    await call('GET', `/studies/${id}`);
    await call('POST', `/studies/${id}/runs/${runs[4].runId}/metrics`, { step: 1, value: 3 }); // late, timed out
    const exported = (await call('GET', `/studies/${id}/export`)).body;

    // Warm starts, from a study and from an export document; a keyed one whose first attempt died
    // after writing its priors (its retry clears them under the reserved id).
    await call('POST', '/studies', { name: 'warm', space, warmStartFrom: { studyId: id } });
    await call('POST', '/studies', { name: 'warm-doc', space, warmStartFrom: exported });
    failNext(api.table.raw, (op, i) => op === 'PutItem' && i.Item?.sk === '#STUDY' && i.Item?.name === 'warm-crash');
    await call('POST', '/studies', { name: 'warm-crash', space, warmStartFrom: { studyId: id } }, { 'idempotency-key': 'c-2' });
    await call('POST', '/studies', { name: 'warm-crash', space, warmStartFrom: { studyId: id } }, { 'idempotency-key': 'c-2' });

    // A study with running runs is stopped, another deleted while its runs are overdue; a delete that
    // dies half-way is finished by the sweeper.
    const other = (await call('POST', '/studies', { name: 'other', space })).body.studyId as string;
    for (let i = 0; i < 3; i++) await call('POST', `/studies/${other}/runs`, {});
    await call('POST', `/studies/${id}/stop`, {});
    await call('POST', `/studies/${id}/stop`, {});
    const big = (await call('POST', '/studies', { name: 'big', space })).body.studyId as string;
    for (let i = 0; i < 30; i++) await call('POST', `/studies/${big}/runs`, {});
    failNext(api.table.raw, (op) => op === 'BatchWriteItem');
    await call('DELETE', `/studies/${big}`);
    await call('DELETE', `/studies/${other}`);
    await call('DELETE', `/studies/${other}`);
    const overdue = (await call('POST', '/studies', { name: 'overdue', space })).body.studyId as string;
    await call('POST', `/studies/${overdue}/runs`, {});

    // The sweeper: overdue runs (of a live study and of a deleted one), the unfinished deletion.
    api.advance(2 * 3600_000);
    current = 'sweep';
    await sweep(api.deps);
    api.advance(16 * 60_000);
    await sweep(api.deps);
  });

  const access = [...routes, ...scheduled];

  it.each(access.map((a) => [a.handler, a] as const))('%s calls nothing it is not granted', (handler, declared) => {
    const calls = seen.get(handler);
    expect(calls?.size, `${handler} was never exercised`).toBeGreaterThan(0);
    const missing = [...calls!].filter((c) => !declaredGrants(declared.table).has(c));
    expect(missing, `${handler} needs grants routes.ts does not declare`).toEqual([]);
    if (process.env.PRINT_GRANTS) console.log(handler, 'declared but not seen:', [...declaredGrants(declared.table)].filter((g) => !calls!.has(g)));
  });

  it('sees the read-only routes make reads only', () => {
    for (const route of routes.filter((r) => readsOnly(r.table))) {
      for (const c of seen.get(route.handler) ?? []) expect(c, route.handler).toMatch(/^(GetItem|Query)@/);
    }
  });
});
