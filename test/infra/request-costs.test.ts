/**
 * Pins the DynamoDB and SNS calls per request that docs/deploy.md prices. If one of these fails, the
 * access pattern changed: update the numbers in docs/deploy.md ("What it costs") with the new counts.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../lib/tuner/sweep';
import { testApi, type TestApi } from '../support/api';

/** An item's size as DynamoDB bills it: attribute names plus values (numbers ~1 byte per 2 digits). */
function itemBytes(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.L !== undefined) return 3 + v.L.reduce((sum, x) => sum + 1 + value(x), 0);
    if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((sum, [k, x]) => sum + 1 + Buffer.byteLength(k) + value(x), 0);
    return Buffer.byteLength(JSON.stringify(v));
  };
  return Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + value(v), 0);
}

/** One DynamoDB call, labelled the way the cost table names it. */
function label(op: string, input: Record<string, any>): string {
  const where = input.IndexName ? ` ${input.IndexName}` : '';
  const read = ['GetItem', 'Query', 'Scan', 'BatchGetItem'].includes(op);
  return `${op}${where}${read ? (input.ConsistentRead ? ' strong' : ' eventual') : ''}`;
}

interface Recorder {
  calls: string[];
  events: number;
}

function record(api: TestApi): Recorder {
  const rec: Recorder = { calls: [], events: 0 };
  api.table.raw.middlewareStack.add(
    (next, context) => async (args) => {
      rec.calls.push(label((context.commandName ?? '').replace(/Command$/, ''), args.input as Record<string, any>));
      return next(args);
    },
    { step: 'initialize', name: 'recordCallsForCosts' },
  );
  const publish = api.events.publish.bind(api.events);
  api.events.publish = async (events) => {
    rec.events += events.length;
    return publish(events);
  };
  return rec;
}

async function measure(rec: Recorder, f: () => Promise<{ status: number } | unknown>) {
  rec.calls.length = 0;
  rec.events = 0;
  const res = await f();
  const counts: Record<string, number> = {};
  for (const c of rec.calls) counts[c] = (counts[c] ?? 0) + 1;
  return { res: res as { status: number; body: any }, counts, events: rec.events };
}

const space = {
  lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
  layers: { type: 'int', low: 1, high: 8 },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd'] },
};
const HISTORY = 40;

async function studyWithHistory(api: TestApi, pruner: Record<string, unknown>) {
  const study = (await api.call('POST', '/studies', { name: 'costs', space, strategy: { name: 'random', seed: 7 }, pruner })).body;
  for (let i = 0; i < HISTORY; i++) {
    const run = (await api.call('POST', `/studies/${study.studyId}/runs`, {})).body;
    await api.call('POST', `/studies/${study.studyId}/runs/${run.runId}/metrics`, { step: 1, value: 1 + i });
    await api.call('POST', `/studies/${study.studyId}/runs/${run.runId}/complete`, { value: 1 + i });
  }
  return study.studyId as string;
}

describe('calls per request (priced in docs/deploy.md)', () => {
  let api: TestApi;
  let rec: Recorder;
  let studyId: string;
  beforeAll(async () => {
    api = await testApi();
    studyId = await studyWithHistory(api, { name: 'none' });
    rec = record(api);
  });

  it('ask: GetItem study + Query of the runs (both strongly consistent) + PutItem run, 1 event', async () => {
    const m = await measure(rec, () => api.call('POST', `/studies/${studyId}/runs`, {}));
    expect(m.res.status).toBe(201);
    expect(m.counts).toEqual({ 'GetItem strong': 1, 'Query strong': 1, PutItem: 1 });
    expect(m.events).toBe(1);
  });

  it('ask with an Idempotency-Key: two more UpdateItems (claim, finish)', async () => {
    const m = await measure(rec, () => api.call('POST', `/studies/${studyId}/runs`, {}, { 'idempotency-key': 'cost-1' }));
    expect(m.res.status).toBe(201);
    expect(m.counts).toEqual({ 'GetItem strong': 1, 'Query strong': 1, PutItem: 1, UpdateItem: 2 });
    expect(m.events).toBe(1);
  });

  it('metric report without a pruner: run by id on lsi1 + study + PutItem metric + UpdateItem run, 1 event', async () => {
    const run = (await api.call('POST', `/studies/${studyId}/runs`, {})).body;
    const m = await measure(rec, () => api.call('POST', `/studies/${studyId}/runs/${run.runId}/metrics`, { step: 1, value: 0.5 }));
    expect(m.res.status).toBe(200);
    expect(m.counts).toEqual({ 'Query lsi1 strong': 1, 'GetItem strong': 1, PutItem: 1, UpdateItem: 1 });
    expect(m.events).toBe(1);
  });

  it('complete with a new best: run by id + study + UpdateItem run + UpdateItem study, 2 events', async () => {
    const run = (await api.call('POST', `/studies/${studyId}/runs`, {})).body;
    const m = await measure(rec, () => api.call('POST', `/studies/${studyId}/runs/${run.runId}/complete`, { value: -1 }));
    expect(m.res.status).toBe(200);
    expect(m.counts).toEqual({ 'Query lsi1 strong': 1, 'GetItem strong': 1, UpdateItem: 2 });
    expect(m.events).toBe(2);
  });

  it('the idle sweep: one eventually consistent Query of gsi1 and one of the deletion markers, nothing else', async () => {
    const m = await measure(rec, () => sweep(api.deps));
    expect(m.counts).toEqual({ 'Query gsi1 eventual': 1, 'Query eventual': 1 });
    expect(m.events).toBe(0);
  });

  it('stores a run in well under 1 KB (one write unit) and ~0.5 KB, as the cost table assumes', async () => {
    const items = (await api.table.raw.send(new ScanCommand({ TableName: api.table.tableName }))).Items ?? [];
    const sizes = (prefix: string) => items.filter((i) => i.sk.S!.startsWith(prefix)).map(itemBytes);
    const runs = sizes('RUN#');
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    if (process.env.PRINT_ITEM_SIZES) console.log({ runMean: mean, runMax: Math.max(...runs), metric: sizes('METRIC#'), study: sizes('#STUDY'), req: sizes('REQ#') });
    expect(Math.max(...runs)).toBeLessThan(1024);
    expect(mean).toBeGreaterThan(250);
    expect(mean).toBeLessThan(600);
    expect(Math.max(...sizes('METRIC#'))).toBeLessThan(1024);
    expect(Math.max(...sizes('#STUDY'))).toBeLessThan(1024);
  });
});

describe('calls per metric report with a pruner', () => {
  it('adds the run\'s curve and every run\'s value at the step (lsi1), not the whole history', async () => {
    const api = await testApi();
    const studyId = await studyWithHistory(api, { name: 'median' });
    const rec = record(api);
    const run = (await api.call('POST', `/studies/${studyId}/runs`, {})).body;
    // Better than every earlier run at step 1: not pruned, so no extra writes.
    const m = await measure(rec, () => api.call('POST', `/studies/${studyId}/runs/${run.runId}/metrics`, { step: 1, value: 0 }));
    expect(m.res.body).toEqual({ prune: false });
    expect(m.counts).toEqual({ 'Query lsi1 strong': 2, 'GetItem strong': 1, PutItem: 1, UpdateItem: 1, 'Query strong': 1 });
    expect(m.events).toBe(1);
  });
});
