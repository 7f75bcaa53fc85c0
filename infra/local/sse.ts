/**
 * `GET /events` in local mode: the hub's events as Server-Sent Events, the local stand-in for an SNS
 * subscription. `?studyId=` filters like an SNS filter policy on the `studyId` attribute; a reconnecting
 * client (EventSource does this by itself) sends `Last-Event-ID` and gets what it missed from the hub's
 * ring buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventHub } from '../../lib/events/local';
import type { TunerEvent } from '../../lib/events/types';

export const HEARTBEAT_MS = 15_000;
/** A client this far behind is cut off rather than buffered without bound; it reconnects and replays. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface ServeEventsOptions {
  /** Interval of the keep-alive comment that stops proxies and idle timers from closing the stream. */
  heartbeatMs?: number;
}

export function serveEvents(req: IncomingMessage, res: ServerResponse, hub: LocalEventHub, options: ServeEventsOptions = {}): void {
  if (req.method !== 'GET') {
    res.writeHead(405, { 'content-type': 'application/json', allow: 'GET' });
    res.end(JSON.stringify({ error: { code: 'MethodNotAllowed', message: `${req.method} is not allowed on /events (allowed: GET)` } }));
    return;
  }
  const url = new URL(req.url ?? '/events', 'http://localhost');
  const studyId = url.searchParams.get('studyId') || undefined;
  const lastEventId = header(req, 'last-event-id') ?? (url.searchParams.get('lastEventId') || undefined);

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Sent at once so the client sees the response start before the first event.
  res.write(': connected\n\n');

  let closed = false;
  const send = (event: TunerEvent) => {
    if (closed) return;
    res.write(`event: ${event.eventType}\nid: ${event.eventId}\ndata: ${JSON.stringify(event)}\n\n`);
    if (res.writableLength > MAX_PENDING_BYTES) close();
  };
  const unsubscribe = hub.subscribe(send, { studyId, afterEventId: lastEventId });
  const heartbeat = setInterval(() => {
    if (!closed) res.write(': heartbeat\n\n');
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  function close(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  }
  // Not req's 'close': since Node 16 it fires when the request has been read, not when the client leaves.
  res.on('close', close);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : undefined;
}
