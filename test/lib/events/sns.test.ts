/**
 * The SNS adapter through the real SDK client, against a local SNS stand-in that answers Publish and
 * PublishBatch on the wire (awsQuery), so what is asserted here is what SNS would receive.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishSafely } from '../../../lib/events/publisher';
import { EventPublishError, fitMessage, SNS_DEFAULT_TIMEOUTS, SNS_MAX_MESSAGE_BYTES, SnsPublisher } from '../../../lib/events/sns';
import { makeEvent, type TunerEvent } from '../../../lib/events/types';
import { startFakeSns, type FakeSns } from '../../support/fake-sns';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:tuner-events';
const STUDY = '5b0f6f3e-8f7c-4b8e-9d47-2f4a3c1e9a10';

let sns: FakeSns;
const clients: SNSClient[] = [];

function clientConfig(extra: Partial<SNSClientConfig> = {}): SNSClientConfig {
  return {
    endpoint: sns.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    maxAttempts: 1,
    ...extra,
  };
}

function publisher(extra: Partial<SNSClientConfig> = {}): SnsPublisher {
  const p = new SnsPublisher({ topicArn: TOPIC, clientConfig: clientConfig(extra) });
  clients.push(p.client);
  return p;
}

function runEvents(n: number, studyId = STUDY): TunerEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent('MetricReported', studyId, { runId: `run-${i}`, number: i, data: { step: i, value: i / 10, prune: false } }),
  );
}

const sentEvents = () => sns.messages.map((m) => JSON.parse(m.message) as TunerEvent);

beforeAll(async () => {
  sns = await startFakeSns();
});
beforeEach(() => sns.reset());
afterAll(async () => {
  for (const c of clients) c.destroy();
  await sns.close();
});

describe('SnsPublisher against a local SNS stand-in', () => {
  it('publishes one event with Publish: the body is the event JSON, studyId and eventType are String attributes', async () => {
    const event = makeEvent('RunProposed', STUDY, {
      runId: 'r-1',
      number: 0,
      data: { params: { opt: 'a&b=c+d %20 é 🚀 <x>', lr: 0.001, layers: 3, bn: true }, source: 'strategy', workerId: 'gpu 0' },
    });

    await publisher().publish([event]);

    expect(sns.calls.map((c) => c.action)).toEqual(['Publish']);
    // Exactly these form fields (the SDK's order of them is its own business).
    expect(sns.calls[0].fields).toHaveLength(10);
    expect(Object.fromEntries(sns.calls[0].fields)).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: TOPIC,
      Message: JSON.stringify(event),
      'MessageAttributes.entry.1.Name': 'studyId',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': STUDY,
      'MessageAttributes.entry.2.Name': 'eventType',
      'MessageAttributes.entry.2.Value.DataType': 'String',
      'MessageAttributes.entry.2.Value.StringValue': 'RunProposed',
    });
    expect(sns.messages).toHaveLength(1);
    expect(sns.messages[0]).toMatchObject({
      action: 'Publish',
      topicArn: TOPIC,
      message: JSON.stringify(event),
      attributes: { studyId: { dataType: 'String', stringValue: STUDY }, eventType: { dataType: 'String', stringValue: 'RunProposed' } },
    });
    expect(JSON.parse(sns.messages[0].message)).toEqual(event);
  });

  it('does not call SNS for an empty list', async () => {
    await publisher().publish([]);
    expect(sns.calls).toHaveLength(0);
  });

  it('publishes 23 events in 3 PublishBatch calls of 10, 10 and 3, in order, with ids unique per batch', async () => {
    const events = runEvents(23);

    await publisher().publish(events);

    expect(sns.calls.map((c) => [c.action, c.entries])).toEqual([
      ['PublishBatch', 10],
      ['PublishBatch', 10],
      ['PublishBatch', 3],
    ]);
    expect(sentEvents()).toEqual(events);
    for (const m of sns.messages) {
      expect(m.attributes).toEqual({
        studyId: { dataType: 'String', stringValue: STUDY },
        eventType: { dataType: 'String', stringValue: 'MetricReported' },
      });
    }
    // The stand-in refuses duplicate ids within a request (as SNS does); ids may repeat across requests.
    expect(new Set(sns.messages.slice(0, 10).map((m) => m.batchEntryId)).size).toBe(10);
  });

  it('sends the attributes of each event of a mixed batch with its own message', async () => {
    const a = makeEvent('RunCompleted', 'study-a', { runId: 'r-a', number: 4, data: { value: 0.25 } });
    const b = makeEvent('BestImproved', 'study-b', { runId: 'r-b', number: 9, data: { value: 0.1, params: { x: 1 }, previous: null } });

    await publisher().publish([a, b]);

    expect(sns.messages.map((m) => [JSON.parse(m.message).eventId, m.attributes.studyId.stringValue, m.attributes.eventType.stringValue])).toEqual([
      [a.eventId, 'study-a', 'RunCompleted'],
      [b.eventId, 'study-b', 'BestImproved'],
    ]);
  });

  it('starts a new batch before the request would pass 256 KB in total', async () => {
    const events = Array.from({ length: 5 }, (_, i) =>
      makeEvent('RunProposed', STUDY, { runId: `r-${i}`, number: i, data: { params: { blob: 'x'.repeat(100_000) }, source: 'strategy' } }),
    );

    await publisher().publish(events);

    expect(sns.calls.map((c) => [c.action, c.status, c.entries])).toEqual([
      ['PublishBatch', 200, 2],
      ['PublishBatch', 200, 2],
      ['Publish', 200, 1],
    ]);
    expect(sentEvents()).toEqual(events);
  });

  it('drops the bulky data fields of an event over 256 KB and marks it truncated instead of failing', async () => {
    const huge = makeEvent('RunProposed', STUDY, {
      runId: 'r-big',
      number: 7,
      data: { params: { prompt: 'p'.repeat(300_000), lr: 0.1 }, source: 'enqueued', workerId: 'w1', retryOf: 3 },
    });
    const small = runEvents(2);

    await publisher().publish([small[0], huge, small[1]]);

    const sent = sentEvents();
    expect(sent.map((e) => e.eventId)).toEqual([small[0].eventId, huge.eventId, small[1].eventId]);
    const truncated = sent[1];
    expect(truncated).toEqual({
      ...huge,
      data: { source: 'enqueued', workerId: 'w1', retryOf: 3, truncated: true, droppedFields: ['params'] },
    });
    expect(sns.messages[1].attributes.eventType.stringValue).toBe('RunProposed');
  });

  it('sends an event of exactly 256 KB (body plus attributes) whole, and truncates one a byte larger', async () => {
    const attributeBytes = 'studyId'.length + 'String'.length + STUDY.length + 'eventType'.length + 'String'.length + 'RunProposed'.length;
    const base = makeEvent('RunProposed', STUDY, { runId: 'r', number: 1, data: { params: { s: '' }, source: 'strategy' } });
    const pad = SNS_MAX_MESSAGE_BYTES - attributeBytes - JSON.stringify(base).length;
    const exact = { ...base, data: { params: { s: 'y'.repeat(pad) }, source: 'strategy' } };
    const over = { ...base, data: { params: { s: 'y'.repeat(pad + 1) }, source: 'strategy' } };
    expect(JSON.stringify(exact).length + attributeBytes).toBe(SNS_MAX_MESSAGE_BYTES);

    await publisher().publish([exact]);
    await publisher().publish([over]);

    expect(sns.calls.map((c) => c.status)).toEqual([200, 200]);
    expect(sentEvents()[0]).toEqual(exact);
    expect(sentEvents()[1].data).toEqual({ source: 'strategy', truncated: true, droppedFields: ['params'] });
  });

  it('throws an EventPublishError naming the entries SNS answered as Failed, after publishing the others', async () => {
    const events = runEvents(12);
    const bad = new Set([events[3].eventId, events[11].eventId]);
    sns.failEntriesWhere((m) => bad.has(JSON.parse(m).eventId), { code: 'InternalError', message: 'boom', senderFault: false });

    const error = await publisher().publish(events).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(EventPublishError);
    const failures = (error as EventPublishError).failures;
    expect(failures).toEqual([
      { eventId: events[3].eventId, eventType: 'MetricReported', code: 'InternalError', message: 'boom', senderFault: false },
      { eventId: events[11].eventId, eventType: 'MetricReported', code: 'InternalError', message: 'boom', senderFault: false },
    ]);
    expect((error as EventPublishError).message).toContain('2 of 12 events were not published');
    expect(sentEvents().map((e) => e.eventId)).toEqual(events.filter((e) => !bad.has(e.eventId)).map((e) => e.eventId));
  });

  it('when a whole call fails after the SDK retries, throws an EventPublishError for its events and still sends the next batch', async () => {
    const events = runEvents(15);
    sns.failNext(2);

    const error = await publisher({ maxAttempts: 2 }).publish(events).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(EventPublishError);
    const e = error as EventPublishError;
    expect(e.failures.map((f) => f.eventId)).toEqual(events.slice(0, 10).map((x) => x.eventId));
    expect(e.failures[0]).toMatchObject({ code: expect.stringMatching(/^InternalError/), senderFault: false });
    expect(e.code).toBe('ServiceUnavailable');
    expect(e.cause).toBeDefined();
    expect(sns.calls.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(sentEvents()).toEqual(events.slice(10));
  });

  it("relies on the SDK's retry: one HTTP 500 is retried and the event is published once", async () => {
    const [event] = runEvents(1);
    sns.failNext(1);

    await publisher({ maxAttempts: 2 }).publish([event]);

    expect(sns.calls.map((c) => c.status)).toEqual([500, 200]);
    expect(sentEvents()).toEqual([event]);
  });

  it('gives up on a call SNS never answers once the request timeout passes, instead of hanging the request', async () => {
    sns.failEntriesWhere(undefined);
    sns.hangNext(1);

    const error = (await publisher({ requestHandler: { ...SNS_DEFAULT_TIMEOUTS, requestTimeout: 100 } }).publish(runEvents(1)).catch((e: unknown) => e)) as EventPublishError;

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.failures[0].code).toMatch(/Timeout/);
    expect(sns.calls.map((c) => c.status)).toEqual([0]);
  }, 10_000);

  it('sets connection and request timeouts on the client it builds, unless the config brings its own handler', async () => {
    const p = publisher();
    const handlerConfig = await (p.client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider;
    expect(handlerConfig).toMatchObject(SNS_DEFAULT_TIMEOUTS);
  });

  it('reports a sender fault (a refused request) as such', async () => {
    sns.failNext(1, { status: 400, code: 'AuthorizationError', message: 'not authorized to publish' });

    const error = (await publisher().publish(runEvents(1)).catch((e: unknown) => e)) as EventPublishError;

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error.failures[0]).toMatchObject({ message: 'not authorized to publish', senderFault: true });
  });

  it('publishSafely logs a failed publish and does not throw', async () => {
    sns.failNext(1);
    const logged: { message: string; extra?: Record<string, unknown> }[] = [];
    const events = runEvents(2);

    await expect(publishSafely(publisher(), events, { error: (message, extra) => void logged.push({ message, extra }) })).resolves.toBeUndefined();

    expect(logged).toHaveLength(1);
    expect(logged[0].extra).toMatchObject({ eventTypes: ['MetricReported', 'MetricReported'], studyId: STUDY });
    expect(String(logged[0].extra?.error)).toContain('2 of 2 events were not published');
    expect(sns.messages).toHaveLength(0);
  });

  it('uses an injected client as is', async () => {
    const client = new SNSClient(clientConfig());
    clients.push(client);
    const p = new SnsPublisher({ topicArn: TOPIC, client });

    await p.publish(runEvents(1));

    expect(p.client).toBe(client);
    expect(sns.messages).toHaveLength(1);
  });

  it('refuses a client and a client config together (type level) and an empty topic ARN', () => {
    const client = new SNSClient(clientConfig());
    clients.push(client);
    // @ts-expect-error client and clientConfig are exclusive
    const both = () => new SnsPublisher({ topicArn: TOPIC, client, clientConfig: {} });
    expect(both).toBeTypeOf('function');
    expect(() => new SnsPublisher({ topicArn: '', client })).toThrow(/topicArn/);
  });
});

describe('fitMessage', () => {
  it('drops the largest data fields first, only as many as needed', () => {
    const event = makeEvent('BestImproved', STUDY, {
      runId: 'r',
      number: 2,
      data: { value: 0.5, params: { a: 'z'.repeat(600) }, previous: { runId: 'q', number: 1, value: 0.7, note: 'n'.repeat(300) } },
    });

    const fitted = JSON.parse(fitMessage(event, 800));

    expect(fitted.data).toEqual({ value: 0.5, previous: event.data.previous, truncated: true, droppedFields: ['params'] });
    expect(JSON.parse(fitMessage(event, 500)).data).toEqual({ value: 0.5, truncated: true, droppedFields: ['params', 'previous'] });
    expect(fitMessage(event, 10_000)).toBe(JSON.stringify(event));
  });
});
