/**
 * docs/events.schema.json against the events the code emits: hand-made samples of every type, the
 * examples in docs/events.md, an SNS-truncated event, and every event of a real study run through the
 * handlers (dynalite) - so the schema and the docs cannot drift from the code unnoticed.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitMessage } from '../../../lib/events/sns';
import { EVENT_TYPES, makeEvent, type EventType, type TunerEvent } from '../../../lib/events/types';
import { sweepTimeouts } from '../../../lib/tuner/timeouts';
import { testApi, type TestApi } from '../../support/api';
import { checkSchema, matchingBranches, resolve } from './schema-check';

const schema = JSON.parse(readFileSync(new URL('../../../docs/events.schema.json', import.meta.url), 'utf8')) as Record<string, any>;
const docs = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

const STUDY = '5b0f6f3e-8f7c-4b8e-9d47-2f4a3c1e9a10';
const RUN = '9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a';
const run = (number: number) => ({ runId: RUN, number });

/** One event of each type, shaped as lib/tuner emits them. */
const samples: Record<EventType, TunerEvent> = {
  StudyCreated: makeEvent('StudyCreated', STUDY, { data: { name: 'n', direction: 'maximize', strategy: 'grid', pruner: 'none', maxRuns: null } }),
  StudyStopped: makeEvent('StudyStopped', STUDY),
  StudyDeleted: makeEvent('StudyDeleted', STUDY),
  RunProposed: makeEvent('RunProposed', STUDY, { ...run(0), data: { params: { lr: 0.1, opt: 'sgd', bn: false, k: 2 }, source: 'retry', retryOf: 0, workerId: 'w' } }),
  MetricReported: makeEvent('MetricReported', STUDY, { ...run(0), data: { step: 0, value: -1.5, prune: true } }),
  RunCompleted: makeEvent('RunCompleted', STUDY, { ...run(0), data: { value: 2 } }),
  RunFailed: makeEvent('RunFailed', STUDY, { ...run(0), data: {} }),
  RunPruned: makeEvent('RunPruned', STUDY, { ...run(0), data: { step: 4, value: 0.9, reason: '' } }),
  RunTimedOut: makeEvent('RunTimedOut', STUDY, { ...run(0), data: { deadline: '2026-01-01T00:01:00.000Z' } }),
  RunRetried: makeEvent('RunRetried', STUDY, { ...run(1), data: { retryOf: 0, newRunId: RUN } }),
  BestImproved: makeEvent('BestImproved', STUDY, { ...run(0), data: { value: 0.1, params: { lr: 0.1 }, previous: null } }),
};

function withData(event: TunerEvent, data: Record<string, unknown>): TunerEvent {
  return { ...event, data };
}

/** Every data key is declared by the type's schema: a new field must be documented, not only accepted. */
function undocumentedKeys(event: TunerEvent): string[] {
  const def = resolve(schema, `#/$defs/${event.eventType}`) as Record<string, any>;
  const dataSchema = def.properties.data;
  const shapes: Record<string, any>[] = dataSchema.anyOf ? dataSchema.anyOf.map((s: any) => (s.$ref ? resolve(schema, s.$ref) : s)) : [dataSchema];
  const declared = new Set(shapes.flatMap((s) => Object.keys(s.properties ?? {})));
  return Object.keys(event.data).filter((k) => !declared.has(k)).map((k) => `${event.eventType}.data.${k}`);
}

describe('docs/events.schema.json', () => {
  it('is a draft 2020-12 schema with one branch and one definition per event type', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.eventType.enum).toEqual([...EVENT_TYPES]);
    expect(schema.oneOf.map((b: { $ref: string }) => b.$ref)).toEqual(EVENT_TYPES.map((t) => `#/$defs/${t}`));
    for (const t of EVENT_TYPES) expect(schema.$defs[t].properties.eventType).toEqual({ const: t });
  });

  it.each(EVENT_TYPES)('accepts a %s event, through its own branch only, and documents each of its data fields', (type) => {
    const event = samples[type];
    expect(checkSchema(schema, event)).toEqual([]);
    expect(matchingBranches(schema, event)).toEqual([`#/$defs/${type}`]);
    expect(undocumentedKeys(event)).toEqual([]);
  });

  it.each([
    ['a StudyCreated without direction', withData(samples.StudyCreated, { name: 'n', strategy: 'random', pruner: 'none' }), 'direction is required'],
    ['a StudyCreated with an unknown direction', withData(samples.StudyCreated, { ...samples.StudyCreated.data, direction: 'up' }), 'must be one of'],
    ['a RunProposed with an unknown source', withData(samples.RunProposed, { params: {}, source: 'magic' }), 'must be one of'],
    ['a RunProposed with a nested param value', withData(samples.RunProposed, { params: { x: [1] }, source: 'strategy' }), 'must be string or number or boolean'],
    ['a MetricReported with a fractional step', withData(samples.MetricReported, { step: 1.5, value: 1, prune: false }), 'must be integer'],
    ['a RunCompleted without a value', withData(samples.RunCompleted, {}), 'value is required'],
    ['a RunCompleted without its run', { ...samples.RunCompleted, runId: undefined, number: undefined }, 'runId is required'],
    ['a RunTimedOut whose deadline is not a date-time', withData(samples.RunTimedOut, { deadline: 'soon' }), 'date-time'],
    ['a BestImproved whose previous lacks a value', withData(samples.BestImproved, { value: 1, params: {}, previous: { runId: 'r', number: 0 } }), 'oneOf'],
    ['an event of version 2', { ...samples.RunCompleted, version: 2 }, 'must equal 1'],
    ['an event of an unknown type', { ...samples.RunCompleted, eventType: 'RunExploded' }, 'must be one of'],
    ['an event without a timestamp', { ...samples.StudyStopped, timestamp: undefined }, 'timestamp is required'],
  ])('rejects %s', (_name, event, message) => {
    const issues = checkSchema(schema, JSON.parse(JSON.stringify(event)));
    expect(issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toContain(message);
  });

  it('accepts an event the SNS adapter truncated, and marks what it dropped', () => {
    const big = makeEvent('RunProposed', STUDY, { ...run(2), data: { params: { prompt: 'p'.repeat(5000) }, source: 'strategy' } });
    const truncated = JSON.parse(fitMessage(big, 1000));
    expect(truncated.data).toEqual({ source: 'strategy', truncated: true, droppedFields: ['params'] });
    expect(checkSchema(schema, truncated)).toEqual([]);
  });

  it('accepts every JSON example of docs/events.md, and the docs show one of each type', () => {
    const blocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
    const events = blocks.filter((b) => 'version' in b);
    for (const event of events) expect({ type: event.eventType, issues: checkSchema(schema, event) }).toEqual({ type: event.eventType, issues: [] });
    expect(new Set(events.map((e) => e.eventType))).toEqual(new Set(EVENT_TYPES));
  });
});

describe('events of a real study (handlers over dynalite)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi();
  });

  it('all match the schema and document every data field', async () => {
    const space = { lr: { type: 'float', low: 1e-4, high: 1, log: true }, opt: { type: 'categorical', choices: ['adam', 'sgd', true, 3] }, k: { type: 'int', low: 1, high: 8 } };
    const created = await api.call('POST', '/studies', { name: 'schema', direction: 'maximize', space, maxRuns: 10, metricTimeoutSeconds: 60, retryFailed: 1 });
    expect(created.status).toBe(201);
    const id = created.body.studyId as string;
    const ask = async () => (await api.call('POST', `/studies/${id}/runs`, { workerId: 'w-1' })).body as { runId: string };
    const runs = `/studies/${id}/runs`;

    const a = await ask();
    await api.call('POST', `${runs}/${a.runId}/metrics`, { step: 0, value: 0.2 });
    await api.call('POST', `${runs}/${a.runId}/complete`, { value: 0.3 });
    const b = await ask();
    await api.call('POST', `${runs}/${b.runId}/complete`, { value: 0.5 });
    const c = await ask();
    await api.call('POST', `${runs}/${c.runId}/complete`, { status: 'failed', reason: 'diverged' });
    const d = await ask();
    await api.call('POST', `${runs}/${d.runId}/metrics`, { step: 3, value: 0.1 });
    api.advance(120_000);
    await sweepTimeouts(api.deps);
    await ask(); // retries the failed or timed-out run
    expect((await api.call('POST', `/studies/${id}/stop`)).status).toBe(200);
    expect((await api.call('DELETE', `/studies/${id}`)).status).toBe(204);

    const emitted = api.events.events.filter((e) => e.studyId === id);
    const types = new Set(emitted.map((e) => e.eventType));
    for (const t of ['StudyCreated', 'RunProposed', 'MetricReported', 'RunCompleted', 'RunFailed', 'RunTimedOut', 'RunRetried', 'BestImproved', 'StudyStopped', 'StudyDeleted']) {
      expect(types).toContain(t);
    }
    for (const event of emitted) {
      const json = JSON.parse(JSON.stringify(event)) as TunerEvent;
      expect({ type: json.eventType, issues: checkSchema(schema, json), undocumented: undocumentedKeys(json) }).toEqual({ type: json.eventType, issues: [], undocumented: [] });
    }
  });
});
