/**
 * The local API: each HTTP request becomes an API Gateway proxy event for the same handler Lambda runs,
 * so local mode and AWS share every line between the event and DynamoDB. `GET /events` streams
 * lifecycle events (Server-Sent Events). With an API key set, requests without it get 401 Unauthorized,
 * as in AWS (where a gateway response rewrites API Gateway's 403, infra/constructs/api.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES } from '../../lib/http/handler';
import type { LocalEventHub } from '../../lib/events/local';
import { serveEvents, type EventStream } from './sse';
import { loadHandler, toProxyEvent } from './proxy-event';
import { matchRoute } from './router';

/** Requests far above the handlers' own limit are cut off while reading, not buffered. */
const READ_LIMIT_BYTES = 4 * MAX_BODY_BYTES;
/** How long close() lets requests in flight finish before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface LocalServerOptions {
  hub: LocalEventHub;
  apiKey?: string;
  port?: number;
  host?: string;
  /** See SHUTDOWN_GRACE_MS. */
  shutdownGraceMs?: number;
}

export interface LocalServer {
  server: Server;
  url: string;
  /**
   * Stops accepting connections, ends the event streams, closes idle keep-alive connections, lets the
   * requests in flight finish (for up to shutdownGraceMs), then cuts whatever is left. Resolves when no
   * handler is running any more, or the grace is over.
   */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > READ_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
  /** handle() of every request not finished yet: close() waits for them before the database goes. */
  const running = new Set<Promise<void>>();
  const responses = new Set<ServerResponse>();
  const streams = new Set<EventStream>();
  let closing: Promise<void> | undefined;

  const context: RequestContext = { options, streams, isClosing: () => closing !== undefined };
  const server = createServer((req, res) => {
    responses.add(res);
    res.on('close', () => {
      responses.delete(res);
      // A keep-alive connection whose answer was under way when close() began is idle now.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('connection', 'close');
    const done = handle(req, res, context)
      .catch((err) => {
        console.error(JSON.stringify({ level: 'ERROR', message: 'local server error', error: String(err) }));
        if (!res.headersSent) send(res, 500, errorBody('InternalError', 'internal error'));
        else res.end();
      })
      .finally(() => running.delete(done));
    running.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  async function shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const stream of [...streams]) stream.end();
    for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const drained = (async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
      await closed;
    })();
    await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    server.closeAllConnections();
    await closed;
  }

  return {
    server,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => (closing ??= shutdown()),
  };
}

interface RequestContext {
  options: LocalServerOptions;
  streams: Set<EventStream>;
  isClosing(): boolean;
}

/**
 * The request target as a URL, or undefined when it is not a path. Resolving it against a base, as
 * `new URL(target, base)` does, would read "//studies" as a host named "studies", or throw.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) return undefined;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, { options, streams, isClosing }: RequestContext): Promise<void> {
  const url = requestUrl(req.url);
  if (!url) {
    send(res, 400, errorBody('InvalidRequestTarget', `the request target ${JSON.stringify(req.url)} is not a path`));
    return;
  }
  if (options.apiKey && !keyMatches(req.headers['x-api-key'] as string | undefined, options.apiKey)) {
    send(res, 401, errorBody('Unauthorized', 'missing or wrong x-api-key header'));
    return;
  }
  if (url.pathname === '/events' && req.method === 'GET') {
    if (isClosing()) {
      send(res, 503, errorBody('ServiceUnavailable', 'the server is shutting down'), { 'retry-after': '1' });
      return;
    }
    const stream = serveEvents(req, res, options.hub);
    if (stream) {
      streams.add(stream);
      res.on('close', () => streams.delete(stream));
    }
    return;
  }
  const match = matchRoute(req.method ?? 'GET', url.pathname);
  if (match.kind === 'not-found') {
    send(res, 404, errorBody('RouteNotFound', `no route ${req.method} ${url.pathname}`));
    return;
  }
  if (match.kind === 'method-not-allowed') {
    send(res, 405, errorBody('MethodNotAllowed', `${req.method} is not allowed on ${url.pathname} (allowed: ${match.allowed.join(', ')})`), { allow: match.allowed.join(', ') });
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    send(res, 413, errorBody('PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`), { connection: 'close' });
    return;
  }
  const handler = await loadHandler(match.route.handler);
  const result = await handler(
    toProxyEvent({ method: req.method ?? 'GET', url, headers: req.headers, body, resource: match.route.path, pathParameters: match.pathParameters }),
  );
  res.writeHead(result.statusCode, result.headers as Record<string, string>);
  res.end(result.body);
}
