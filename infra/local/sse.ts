/**
 * `GET /events` in local mode: the hub's events as Server-Sent Events, the local stand-in for an SNS
 * subscription. `?studyId=` filters like an SNS filter policy on the `studyId` attribute; a reconnecting
 * client (EventSource does this by itself) sends `Last-Event-ID` and gets what it missed from the hub's
 * ring buffer, or, when that id is no longer there, a `Gap` message first and then the whole buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventHub } from '../../lib/events/local';
import type { TunerEvent } from '../../lib/events/types';

export const HEARTBEAT_MS = 15_000;
/** A client this far behind is cut off rather than buffered without bound; it reconnects and replays. */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface ServeEventsOptions {
  /** Interval of the keep-alive comment that stops proxies and idle timers from closing the stream. */
  heartbeatMs?: number;
  /** How many bytes may wait for a slow client before its connection is dropped (default 4 MB). */
  maxPendingBytes?: number;
}

/** An open stream: `end()` finishes it cleanly (the server shutting down). */
export interface EventStream {
  end(): void;
}

/** The SSE message sent before the replay when a Last-Event-ID is not among the kept events. */
export function gapMessage(lastEventId: string): string {
  const data = {
    eventType: 'Gap',
    lastEventId,
    message:
      `events after ${lastEventId} may have been missed: it is not among the events this server keeps (the last 1000, since it started). ` +
      'The kept ones follow; reconcile from the API (GET /studies/{id}, GET /studies/{id}/runs).',
  };
  // No `id:` line: the client's last event id stays where it was until a real event moves it.
  return `event: Gap\ndata: ${JSON.stringify(data)}\n\n`;
}

export function serveEvents(req: IncomingMessage, res: ServerResponse, hub: LocalEventHub, options: ServeEventsOptions = {}): EventStream | undefined {
  if (req.method !== 'GET') {
    res.writeHead(405, { 'content-type': 'application/json; charset=utf-8', allow: 'GET' });
    res.end(JSON.stringify({ error: { code: 'MethodNotAllowed', message: `${req.method} is not allowed on /events (allowed: GET)` } }));
    return undefined;
  }
  const url = new URL(req.url ?? '/events', 'http://localhost');
  const studyId = url.searchParams.get('studyId') || undefined;
  const lastEventId = header(req, 'last-event-id') ?? (url.searchParams.get('lastEventId') || undefined);
  const maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_BYTES;

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Sent at once so the client sees the response start before the first event.
  res.write(': connected\n\n');

  let closed = false;
  const write = (text: string) => {
    if (closed) return;
    res.write(text);
    // A client that does not read: its events would pile up here without bound. Ending the response
    // (res.end) would wait for that pile to drain, which it never does, and keep the socket and its kernel
    // buffers forever; destroying drops both at once. It reconnects with Last-Event-ID and catches up.
    if (res.writableLength > maxPendingBytes) {
      stop();
      res.destroy();
    }
  };
  const send = (event: TunerEvent) => write(`event: ${event.eventType}\nid: ${event.eventId}\ndata: ${JSON.stringify(event)}\n\n`);
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  // The replay runs inside subscribe() and may already overflow and stop the stream.
  let unsubscribe: (() => void) | undefined;
  const subscription = hub.subscribe(send, { studyId, afterEventId: lastEventId, onGap: () => write(gapMessage(lastEventId as string)) });
  if (closed) subscription();
  else unsubscribe = subscription;

  function stop(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe?.();
  }
  // Not req's 'close': since Node 16 it fires when the request has been read, not when the client leaves.
  res.on('close', stop);
  return {
    end() {
      stop();
      res.end();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : undefined;
}
