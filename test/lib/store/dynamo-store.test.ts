/** The DynamoDB adapter against dynalite: conditional writes, pagination across 1 MB pages, cursors. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isStorableNumber, MAX_MAGNITUDE, MIN_MAGNITUDE, type Run } from '../../../lib/domain/types';
import { CREATE_GRACE_MS } from '../../../lib/store/dynamo-store';
import type { StoredStudy } from '../../../lib/store/store';
import { DELETIONS_PK, STUDY_SK } from '../../../lib/store/table';
import { freshTable } from '../../support/dynamo';
import { failNext, interleaveBefore } from '../../support/faults';

const study = (studyId: string, createdAt = '2026-01-01T00:00:00.000Z'): StoredStudy => ({
  studyId,
  name: 's',
  direction: 'minimize',
  space: [{ name: 'x', type: 'float', low: 0, high: 1 }],
  strategy: { name: 'random', seed: 1, options: {} },
  pruner: { name: 'none', options: {} },
  metricTimeoutSeconds: 60,
  retryFailed: 0,
  state: 'active',
  createdAt,
  updatedAt: createdAt,
  queueSeq: 0,
  priorCount: 0,
});

const run = (studyId: string, number: number, extra: Partial<Run> = {}): Run => ({
  studyId,
  runId: `00000000-0000-4000-8000-${String(number).padStart(12, '0')}`,
  number,
  params: { x: number / 1000 },
  state: 'running',
  deadline: 1000 + number,
  createdAt: 't',
  updatedAt: 't',
  ...extra,
});

describe('DynamoStudyStore (dynalite)', () => {
  let t: Awaited<ReturnType<typeof freshTable>>;
  beforeAll(async () => {
    t = await freshTable();
  });

  it('refuses a second study with the same id', async () => {
    await t.store.createStudy(study('dup'));
    await expect(t.store.createStudy(study('dup'))).rejects.toMatchObject({ code: 'StudyAlreadyExists', status: 409 });
  });

  // The SDK's defaults refuse to write numbers above 2^53 and read them back as BigInt (or throw on
  // "1e+21"): a diverged loss of 1e20 used to be a 500. Every storable double must come back bit for bit.
  const edgeNumbers = [2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e20, 1e21, -1.2345678901234567e100, MAX_MAGNITUDE, MIN_MAGNITUDE, -MIN_MAGNITUDE, 0.1 + 0.2, 5e-7];

  it('stores numbers beyond 2^53 and down to 1e-130 and reads them back exactly, in every place numbers live', async () => {
    const s = { ...study('wide'), space: [{ name: 'x', type: 'float' as const, low: -1e125, high: 1e125 }, { name: 'c', type: 'categorical' as const, choices: edgeNumbers }] };
    await t.store.createStudy(s);
    expect((await t.store.getStudy('wide'))?.space).toEqual(s.space);
    for (const [i, v] of edgeNumbers.entries()) {
      const r = run('wide', i, { params: { x: v, c: v }, value: v });
      expect(await t.store.insertRun(r)).toBe('inserted');
      await t.store.putMetric('wide', i, 1, v, 't');
      const back = await t.store.getRunByNumber('wide', i);
      expect(Object.is(back?.value, v) && Object.is(back?.params.x, v) && Object.is(back?.params.c, v)).toBe(true);
      expect(Object.is((await t.store.getCurve('wide', i)).get(1), v)).toBe(true);
    }
    const [q] = await t.store.enqueue('wide', [{ x: 1e21, c: 2 ** 53 }], 't');
    expect((await t.store.loadQueue('wide')).find((e) => e.seq === q)?.params).toEqual({ x: 1e21, c: 2 ** 53 });
  });

  it('round-trips any storable double as a run value', async () => {
    await t.store.createStudy(study('doubles'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }).filter(isStorableNumber), async (v) => {
        const number = n++;
        await t.store.insertRun(run('doubles', number, { value: v, params: { x: v } }));
        const back = await t.store.getRunByNumber('doubles', number);
        // Bit for bit, except that DynamoDB has no negative zero: -0 comes back as 0, the same number.
        const same = (x: unknown) => typeof x === 'number' && Object.is(x + 0, v + 0);
        expect(same(back?.value) && same(back?.params.x)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('lets exactly one of 20 racing inserts take a run number', async () => {
    await t.store.createStudy(study('race'));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.store.insertRun({ ...run('race', 0), runId: `r-${i}` })));
    expect(results.filter((r) => r === 'inserted')).toHaveLength(1);
    expect(results.filter((r) => r === 'taken')).toHaveLength(19);
  });

  it('loads every run across several 1 MB query pages, in number order, and catches up after a number', async () => {
    await t.store.createStudy(study('big'));
    const pad = 'p'.repeat(3000);
    const runs = Array.from({ length: 450 }, (_, i) => run('big', i, { workerId: pad }));
    for (let i = 0; i < runs.length; i += 30) await Promise.all(runs.slice(i, i + 30).map((r) => t.store.insertRun(r)));
    const loaded = await t.store.loadRuns('big');
    expect(loaded.map((r) => r.number)).toEqual(runs.map((r) => r.number));
    expect((await t.store.loadRuns('big', 439)).map((r) => r.number)).toEqual([440, 441, 442, 443, 444, 445, 446, 447, 448, 449]);
  });

  it('finds a run by id through the index and moves it only from the named states', async () => {
    await t.store.createStudy(study('tr'));
    await t.store.insertRun(run('tr', 0));
    const found = await t.store.getRun('tr', run('tr', 0).runId);
    expect(found?.number).toBe(0);
    const ok = await t.store.transitionRun('tr', 0, ['running'], { state: 'completed', value: 3 });
    expect(ok).toMatchObject({ ok: true, run: { state: 'completed', value: 3 } });
    const again = await t.store.transitionRun('tr', 0, ['running'], { state: 'failed' });
    expect(again).toMatchObject({ ok: false, run: { state: 'completed' } });
    expect(await t.store.transitionRun('tr', 99, ['running'], { state: 'failed' })).toEqual({ ok: false, run: undefined });
  });

  it('lists overdue running runs for the sweeper and drops runs that stopped running', async () => {
    const table = await freshTable();
    await table.store.createStudy(study('sw'));
    for (let i = 0; i < 4; i++) await table.store.insertRun(run('sw', i, { deadline: 100 * (i + 1) }));
    expect(await table.store.listOverdueRuns(250, 10)).toEqual([
      { studyId: 'sw', number: 0 },
      { studyId: 'sw', number: 1 },
    ]);
    await table.store.transitionRun('sw', 0, ['running'], { state: 'completed', value: 1 });
    await table.store.transitionRun('sw', 1, ['running'], { deadline: 10_000 });
    expect(await table.store.listOverdueRuns(450, 10)).toEqual([
      { studyId: 'sw', number: 2 },
      { studyId: 'sw', number: 3 },
    ]);
  });

  it('records the best only when it improves, in the study direction', async () => {
    await t.store.createStudy(study('best'));
    const b = (n: number, value: number) => ({ runId: `r${n}`, number: n, params: { x: 0 }, value });
    expect(await t.store.offerBest('best', b(0, 5), 'minimize', 'now')).toEqual({ improved: true, previous: undefined });
    expect((await t.store.offerBest('best', b(1, 7), 'minimize', 'now')).improved).toBe(false);
    const better = await t.store.offerBest('best', b(2, 1), 'minimize', 'now');
    expect(better).toMatchObject({ improved: true, previous: { runId: 'r0', value: 5 } });
    expect(await t.store.getStudy('best')).toMatchObject({ best: { runId: 'r2', value: 1 } });
    await t.store.createStudy(study('best-max'));
    expect((await t.store.offerBest('best-max', b(0, 5), 'maximize', 'now')).improved).toBe(true);
    expect((await t.store.offerBest('best-max', b(1, 3), 'maximize', 'now')).improved).toBe(false);
    expect((await t.store.offerBest('best-max', b(2, 9), 'maximize', 'now')).improved).toBe(true);
  });

  it('counts finished runs from the runs themselves, reading no further than it needs', async () => {
    await t.store.createStudy(study('fin'));
    const states = ['completed', 'running', 'pruned', 'failed', 'timed_out', 'completed', 'running', 'completed'] as const;
    for (const [i, state] of states.entries()) await t.store.insertRun(run('fin', i, { state }));
    expect(await t.store.countFinishedRuns('fin', 0)).toBe(0);
    expect(await t.store.countFinishedRuns('fin', 2)).toBe(2);
    expect(await t.store.countFinishedRuns('fin', 4)).toBe(4);
    expect(await t.store.countFinishedRuns('fin', 100)).toBe(4);
    // Past one query page (its limit is max(25, 2 × atMost) runs).
    await t.store.createStudy(study('fin-long'));
    for (let i = 0; i < 60; i++) await t.store.insertRun(run('fin-long', i, { state: i % 3 === 0 ? 'completed' : 'running' }));
    let read = 0;
    t.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const r = await next(args);
        if (context.commandName === 'QueryCommand') read += (r.output as { Count?: number }).Count ?? 0;
        return r;
      },
      { step: 'initialize', name: 'countRead' },
    );
    try {
      expect(await t.store.countFinishedRuns('fin-long', 2)).toBe(2);
      expect(read).toBe(25); // one page of the smallest size, not the 60 runs
      expect(await t.store.countFinishedRuns('fin-long', 20)).toBe(20);
      expect(await t.store.countFinishedRuns('fin-long', 1000)).toBe(20);
    } finally {
      t.raw.middlewareStack.remove('countRead');
    }
  });

  it('claims an idempotency key once, hands the result to later claims, and lets an expired lease be taken over', async () => {
    await t.store.createStudy(study('idem'));
    const scope = { studyId: 'idem' };
    const a = await t.store.claimRequest(scope, 'k', 'f', 1000, 500);
    expect(a.kind).toBe('claimed');
    expect((await t.store.claimRequest(scope, 'k', 'f', 1200, 500)).kind).toBe('busy');
    const taken = await t.store.claimRequest(scope, 'k', 'f', 1600, 500);
    expect(taken.kind).toBe('claimed');
    // The first claimant's token no longer finishes the request.
    expect(await t.store.finishRequest(scope, 'k', (a as { token: string }).token, 1)).toBe(false);
    expect(await t.store.finishRequest(scope, 'k', (taken as { token: string }).token, 7)).toBe(true);
    expect(await t.store.claimRequest(scope, 'k', 'f', 99_999, 500)).toEqual({ kind: 'done', result: 7, fingerprint: 'f' });
    // The same key in another scope is another claim.
    expect((await t.store.claimRequest('create', 'k', 'f', 1000, 500)).kind).toBe('claimed');
  });

  it("keeps a key's first reservation across a released claim and a takeover, and gives it back", async () => {
    const a = await t.store.claimRequest('create', 'r', 'f', 1000, 500, 'first');
    expect(a).toMatchObject({ kind: 'claimed', reserved: 'first' });
    await t.store.releaseRequest('create', 'r', (a as { token: string }).token);
    // Released: the next attempt takes over at once, with the first reservation, not its own.
    const b = await t.store.claimRequest('create', 'r', 'f', 1001, 500, 'second');
    expect(b).toMatchObject({ kind: 'claimed', reserved: 'first' });
    expect((await t.store.claimRequest('create', 'r', 'f', 1002, 500, 'third')).kind).toBe('busy');
    const c = await t.store.claimRequest('create', 'r', 'f', 2000, 500, 'fourth');
    expect(c).toMatchObject({ kind: 'claimed', reserved: 'first' });
    await t.store.finishRequest('create', 'r', (c as { token: string }).token, 'first');
    expect(await t.store.claimRequest('create', 'r', 'f', 3000, 500, 'fifth')).toEqual({ kind: 'done', result: 'first', fingerprint: 'f' });
  });

  it('stores a metric once and returns every run value at a step', async () => {
    await t.store.createStudy(study('m'));
    expect(await t.store.putMetric('m', 0, 5, 0.5, 'now')).toEqual({ kind: 'stored' });
    expect(await t.store.putMetric('m', 0, 5, 0.5, 'now')).toEqual({ kind: 'same' });
    expect(await t.store.putMetric('m', 0, 5, 0.4, 'now')).toEqual({ kind: 'conflict', stored: 0.5 });
    await t.store.putMetric('m', 1, 5, 0.7, 'now');
    await t.store.putMetric('m', 1, 6, 0.6, 'now');
    await t.store.putMetric('m', 2, 50, 0.1, 'now');
    const at = await t.store.valuesAtSteps('m', [5, 6, 7]);
    expect(at.get(5)).toEqual([
      { number: 0, value: 0.5 },
      { number: 1, value: 0.7 },
    ]);
    expect(at.get(6)).toEqual([{ number: 1, value: 0.6 }]);
    expect(at.get(7)).toEqual([]);
    expect([...(await t.store.getCurve('m', 1)).entries()]).toEqual([
      [5, 0.7],
      [6, 0.6],
    ]);
  });

  it('rejects cursors from another study or made by hand', async () => {
    await t.store.createStudy(study('c1'));
    for (let i = 0; i < 3; i++) await t.store.insertRun(run('c1', i));
    const page = await t.store.listRuns('c1', 2);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeDefined();
    expect((await t.store.listRuns('c1', 2, page.nextCursor)).items.map((r) => r.number)).toEqual([2]);
    await expect(t.store.listRuns('race', 2, page.nextCursor)).rejects.toMatchObject({ code: 'ValidationError' });
    await expect(t.store.listRuns('c1', 2, 'bm90LWpzb24')).rejects.toMatchObject({ code: 'ValidationError' });
  });

  it('reads queue entries of complete enqueue calls only, and entries stored before calls were marked', async () => {
    await t.store.createStudy(study('q'));
    expect(await t.store.enqueue('q', [{ x: 0.1 }, { x: 0.2 }], 'now')).toEqual([1, 2]);
    // An entry as stored before the marking (no batchStart), and one of a call of 3 whose other two never arrived.
    await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'STUDY#q', sk: 'QUEUE#0000000003', seq: 3, params: { x: 0.3 }, createdAt: 'then' } }));
    await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'STUDY#q', sk: 'QUEUE#0000000004', seq: 4, params: { x: 0.4 }, createdAt: 'now', batchStart: 4, batchSize: 3 } }));
    expect((await t.store.loadQueue('q')).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('deletes a study and everything under it, more than one batch', async () => {
    await t.store.createStudy(study('del'));
    for (let i = 0; i < 60; i++) await t.store.insertRun(run('del', i));
    for (let i = 0; i < 30; i++) await t.store.putMetric('del', 0, i, i, 'now');
    await t.store.enqueue('del', [{ x: 0.5 }], 'now');
    expect(await t.store.deleteStudy('del', 60_000, Date.now())).toEqual({ existed: true, finished: true });
    expect(await t.store.getStudy('del')).toBeUndefined();
    expect(await t.store.loadRuns('del')).toEqual([]);
    expect((await t.store.getCurve('del', 0)).size).toBe(0);
    expect(await t.store.loadQueue('del')).toEqual([]);
    expect(await t.store.pendingDeletions(10, Date.now())).not.toContain('del');
    expect(await t.store.deleteStudy('del', 60_000, Date.now())).toEqual({ existed: false, finished: true });
  });

  it('leaves what a deletion had no time for listed, and finishes it later across pages', async () => {
    // 60 runs of ~20 KB are more than one 1 MB Query page, so the sweep goes back for a second page.
    await t.store.createStudy(study('cut'));
    for (let i = 0; i < 60; i++) await t.store.insertRun(run('cut', i, { params: { x: 0.5, note: 'n'.repeat(20_000) } }));
    for (let i = 0; i < 30; i++) await t.store.putMetric('cut', 0, i, i, 'now');
    expect(await t.store.deleteStudy('cut', 0, Date.now())).toEqual({ existed: true, finished: false });
    expect(await t.store.getStudy('cut')).toBeUndefined(); // gone for every reader at once
    expect(await t.store.loadRuns('cut')).toHaveLength(60); // the rest is still there...
    expect(await t.store.pendingDeletions(10, Date.now())).toContain('cut'); // ...and listed for the sweeper
    expect((await t.store.finishDeletion('cut', 0, Date.now())).finished).toBe(false);
    expect((await t.store.finishDeletion('cut', 60_000, Date.now())).finished).toBe(true);
    expect(await t.store.loadRuns('cut')).toEqual([]);
    expect((await t.store.getCurve('cut', 0)).size).toBe(0);
    expect(await t.store.pendingDeletions(10, Date.now())).not.toContain('cut');
  });

  const str = (v: any): string | undefined => (typeof v === 'string' ? v : v?.S);
  const priorsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ params: { x: i / n }, value: i, state: 'completed' as const }));
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  const late = now + CREATE_GRACE_MS + 1;

  it('writes a study with its priors and leaves nothing for the sweeper', async () => {
    await t.store.createStudy(study('warm', new Date(now).toISOString()), priorsOf(60));
    expect((await t.store.loadPriors('warm')).map((p) => p.value)).toEqual([...Array(60).keys()]);
    expect(await t.store.pendingDeletions(10, late)).not.toContain('warm');
  });

  it('lists the priors of a create that died before its study item, once its grace is over, and sweeps them (failure injected in the client)', async () => {
    failNext(t.raw, (op, i) => op === 'PutItem' && str(i.Item?.sk) === STUDY_SK && str(i.Item?.pk) === 'STUDY#died');
    await expect(t.store.createStudy(study('died', new Date(now).toISOString()), priorsOf(60))).rejects.toThrow('injected crash');
    expect(await t.store.getStudy('died')).toBeUndefined();
    expect(await t.store.loadPriors('died')).toHaveLength(60); // invisible, but there
    expect(await t.store.pendingDeletions(10, now + 1000)).not.toContain('died'); // the create may still be running
    expect(await t.store.pendingDeletions(10, late)).toContain('died');
    // Listed, but before the sweep a keyed retry takes the id up again (a fresh marker): hands off.
    const fresh = late + CREATE_GRACE_MS;
    await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { pk: DELETIONS_PK, sk: 'died', studyId: 'died', creatingUntil: fresh } }));
    expect((await t.store.finishDeletion('died', 60_000, late)).finished).toBe(false);
    expect(await t.store.loadPriors('died')).toHaveLength(60);
    expect((await t.store.finishDeletion('died', 60_000, fresh + 1)).finished).toBe(true);
    expect(await t.store.loadPriors('died')).toEqual([]);
    expect(await t.store.pendingDeletions(10, late)).not.toContain('died');
  });

  it('drops only the marker of a create that died after writing its study (failure injected in the client)', async () => {
    failNext(t.raw, (op, i) => op === 'DeleteItem' && str(i.Key?.pk) === DELETIONS_PK && str(i.Key?.sk) === 'half');
    await expect(t.store.createStudy(study('half', new Date(now).toISOString()), priorsOf(3))).rejects.toThrow('injected crash');
    expect(await t.store.pendingDeletions(10, late)).toContain('half');
    expect((await t.store.finishDeletion('half', 60_000, late)).finished).toBe(true);
    expect(await t.store.getStudy('half')).toBeDefined();
    expect(await t.store.loadPriors('half')).toHaveLength(3);
    expect(await t.store.pendingDeletions(10, late)).not.toContain('half');
  });

  it('writes nothing more once one of its parallel batches failed, so a failed request leaves nothing writing behind its answer (failure injected in the client)', async () => {
    let batches = 0;
    t.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand') batches++;
        return next(args);
      },
      { step: 'initialize', name: 'countBatches' },
    );
    try {
      // 600 priors are 24 batches, 8 at a time; the third one fails.
      let seen = 0;
      failNext(t.raw, (op) => op === 'BatchWriteItem' && ++seen === 3);
      await expect(t.store.createStudy(study('stops', new Date(now).toISOString()), priorsOf(600))).rejects.toThrow('injected crash');
      const atAnswer = batches;
      await new Promise((r) => setTimeout(r, 200));
      expect(batches).toBe(atAnswer);
      expect(atAnswer).toBeLessThan(24);
    } finally {
      t.raw.middlewareStack.remove('countBatches');
    }
  });

  it("keeps a DELETE's marker that replaced a create's before the create could drop its own", async () => {
    // The DELETE lands between the create's study item and its marker drop: the study is gone, and
    // its sweep (given no time here) must stay listed, grace or not.
    interleaveBefore(
      t.raw,
      (op, i) => op === 'DeleteItem' && str(i.Key?.pk) === DELETIONS_PK && str(i.Key?.sk) === 'raced',
      () => t.store.deleteStudy('raced', 0, now),
    );
    await t.store.createStudy(study('raced', new Date(now).toISOString()), priorsOf(3));
    expect(await t.store.getStudy('raced')).toBeUndefined();
    expect(await t.store.pendingDeletions(10, now)).toContain('raced');
    expect((await t.store.finishDeletion('raced', 60_000, now)).finished).toBe(true);
    expect(await t.store.loadPriors('raced')).toEqual([]);
    // Swept; listed again for the final re-sweep only once the DELETE's grace is over.
    expect(await t.store.pendingDeletions(10, now + 1000)).not.toContain('raced');
    expect(await t.store.pendingDeletions(10, late)).toContain('raced');
    expect((await t.store.finishDeletion('raced', 60_000, late)).finished).toBe(true);
    expect(await t.store.pendingDeletions(10, Number.MAX_SAFE_INTEGER)).not.toContain('raced');
  });
});
