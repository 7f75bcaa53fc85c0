/** GET /events over a bare node HTTP server, read with fetch as a client would. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalEventHub } from '../../../lib/events/local';
import { makeEvent, type TunerEvent } from '../../../lib/events/types';
import { serveEvents, type ServeEventsOptions } from '../../../infra/local/sse';
import { startLocal } from '../../../infra/local/app';

interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** Reads Server-Sent Events blocks (`field: value` lines, ended by a blank line) from a fetch body. */
class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  async next(): Promise<SseMessage> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end !== -1) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parse(block);
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error('stream ended');
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next message that is an event (skipping comments). */
  async nextEvent(): Promise<SseMessage> {
    for (;;) {
      const m = await this.next();
      if (m.comment === undefined) return m;
    }
  }
}

function parse(block: string): SseMessage {
  const m: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) m.comment = line.slice(1).trim();
    else {
      const i = line.indexOf(':');
      const field = line.slice(0, i) as 'event' | 'id' | 'data';
      m[field] = line.slice(i + 1).replace(/^ /, '');
    }
  }
  return m;
}

let server: Server | undefined;
const controllers: AbortController[] = [];

async function serve(hub: LocalEventHub, options?: ServeEventsOptions): Promise<string> {
  server = createServer((req, res) => serveEvents(req, res, hub, options));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<{ res: Response; sse: SseReader; abort: () => void }> {
  const controller = new AbortController();
  controllers.push(controller);
  const res = await fetch(url, { headers, signal: controller.signal });
  return { res, sse: new SseReader(res.body!), abort: () => controller.abort() };
}

const runEvent = (studyId: string, n: number): TunerEvent => makeEvent('MetricReported', studyId, { runId: `r${n}`, number: n, data: { step: n, value: n / 2, prune: false } });

afterEach(async () => {
  for (const c of controllers.splice(0)) c.abort();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
});

describe('serveEvents (GET /events)', () => {
  it('streams each event as a Server-Sent Event named by its type, with its id and its JSON', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    const { res, sse } = await connect(`${url}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('no-cache');
    const created = makeEvent('StudyCreated', 's1', { data: { name: 'n', direction: 'minimize', strategy: 'random', pruner: 'none', maxRuns: null } });
    const metric = runEvent('s1', 0);

    await hub.publish([created, metric]);

    const first = await sse.nextEvent();
    const second = await sse.nextEvent();
    expect(first).toEqual({ event: 'StudyCreated', id: created.eventId, data: JSON.stringify(created) });
    expect(second).toEqual({ event: 'MetricReported', id: metric.eventId, data: JSON.stringify(metric) });
  });

  it('sends only the events of the study named by ?studyId=', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    const { sse } = await connect(`${url}/events?studyId=wanted`);
    const other = runEvent('other', 0);
    const wanted = runEvent('wanted', 1);

    await hub.publish([other, wanted]);

    expect((await sse.nextEvent()).id).toBe(wanted.eventId);
  });

  it('replays what came after Last-Event-ID from the buffer, then streams live events', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    const before = [runEvent('s', 0), runEvent('s', 1), runEvent('s', 2)];
    await hub.publish(before);
    const { sse } = await connect(`${url}/events`, { 'last-event-id': before[0].eventId });
    const live = runEvent('s', 3);

    await hub.publish([live]);

    const ids = [await sse.nextEvent(), await sse.nextEvent(), await sse.nextEvent()].map((m) => m.id);
    expect(ids).toEqual([before[1].eventId, before[2].eventId, live.eventId]);
  });

  it('sends a Gap message first when Last-Event-ID is no longer kept, then the whole buffer', async () => {
    const hub = new LocalEventHub({ capacity: 2 });
    const url = await serve(hub);
    const evs = [runEvent('s', 0), runEvent('s', 1), runEvent('s', 2)];
    await hub.publish(evs);
    const { sse } = await connect(`${url}/events`, { 'last-event-id': evs[0].eventId });

    const gap = await sse.nextEvent();
    expect(gap.event).toBe('Gap');
    expect(gap.id).toBeUndefined();
    expect(JSON.parse(gap.data!)).toMatchObject({ eventType: 'Gap', lastEventId: evs[0].eventId, message: expect.stringContaining('reconcile from the API') });
    expect([(await sse.nextEvent()).id, (await sse.nextEvent()).id]).toEqual([evs[1].eventId, evs[2].eventId]);
  });

  it('sends a Gap message for an id it never had (events published before a restart)', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    const { sse } = await connect(`${url}/events?lastEventId=from-before-the-restart`);
    const live = runEvent('s', 0);

    await hub.publish([live]);

    expect((await sse.nextEvent()).event).toBe('Gap');
    expect((await sse.nextEvent()).id).toBe(live.eventId);
  });

  it('sends no buffered events to a client without Last-Event-ID', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    await hub.publish([runEvent('s', 0)]);
    const { sse } = await connect(`${url}/events`);
    const live = runEvent('s', 1);

    await hub.publish([live]);

    expect((await sse.nextEvent()).id).toBe(live.eventId);
  });

  it('sends a heartbeat comment while idle', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub, { heartbeatMs: 20 });
    const { sse } = await connect(`${url}/events`);

    expect(await sse.next()).toEqual({ comment: 'connected' });
    expect(await sse.next()).toEqual({ comment: 'heartbeat' });
  });

  it('unsubscribes when the client goes away', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);
    const a = await connect(`${url}/events`);
    await connect(`${url}/events?studyId=x`);
    expect(hub.subscriberCount).toBe(2);

    a.abort();

    await vi.waitFor(() => expect(hub.subscriberCount).toBe(1), { timeout: 5000, interval: 10 });
    await expect(hub.publish([runEvent('s', 0)])).resolves.toBeUndefined();
  });

  it('destroys the connection of a client that stops reading, rather than keeping its socket and buffers', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub, { maxPendingBytes: 64 * 1024 });
    const serverSide = once(server!, 'connection') as Promise<[Socket]>;
    const client = createConnection(Number(new URL(url).port), '127.0.0.1');
    client.on('error', () => undefined);
    client.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
    const [socket] = await serverSide;
    await vi.waitFor(() => expect(hub.subscriberCount).toBe(1), { timeout: 5000, interval: 10 });
    client.pause(); // reads nothing more
    const serverClosed = once(socket, 'close');

    // Far more than the socket buffers of both ends hold.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && hub.subscriberCount > 0; i++) {
      await hub.publish([makeEvent('MetricReported', 's', { runId: 'r', number: i, data: { step: i, value: 0, prune: false, note: big } as never })]);
      await new Promise((r) => setImmediate(r));
    }

    expect(hub.subscriberCount).toBe(0);
    await serverClosed; // res.end() would have waited for the client to read it all
    client.destroy();
  });

  it('answers 405 to anything but GET', async () => {
    const hub = new LocalEventHub();
    const url = await serve(hub);

    const res = await fetch(`${url}/events`, { method: 'POST', body: '{}' });

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MethodNotAllowed');
    expect(hub.subscriberCount).toBe(0);
  });
});

describe('GET /events on the local server (npm start)', () => {
  it('streams a study\'s events as the API changes it, behind the API key like every route', async () => {
    const svc = await startLocal({ apiKey: 'k' });
    try {
      const headers = { 'x-api-key': 'k', 'content-type': 'application/json' };
      expect((await fetch(`${svc.url}/events`)).status).toBe(401);
      const created = await fetch(`${svc.url}/studies`, { method: 'POST', headers, body: JSON.stringify({ name: 'sse', space: { x: { type: 'float', low: 0, high: 1 } } }) });
      const studyId = ((await created.json()) as { studyId: string }).studyId;
      const { sse } = await connect(`${svc.url}/events?studyId=${studyId}`, { 'x-api-key': 'k' });

      const asked = await fetch(`${svc.url}/studies/${studyId}/runs`, { method: 'POST', headers });
      const run = (await asked.json()) as { runId: string; params: unknown };
      await fetch(`${svc.url}/studies/${studyId}/runs/${run.runId}/complete`, { method: 'POST', headers, body: JSON.stringify({ value: 0.5 }) });

      const got = [await sse.nextEvent(), await sse.nextEvent(), await sse.nextEvent()].map((m) => [m.event, JSON.parse(m.data!).runId]);
      expect(got).toEqual([
        ['RunProposed', run.runId],
        ['RunCompleted', run.runId],
        ['BestImproved', run.runId],
      ]);
      expect(svc.hub.recent(studyId).map((e) => e.eventType)).toEqual(['StudyCreated', 'RunProposed', 'RunCompleted', 'BestImproved']);
    } finally {
      for (const c of controllers.splice(0)) c.abort();
      await svc.close();
    }
  });
});
