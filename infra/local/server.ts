/**
 * The local API: each HTTP request becomes an API Gateway proxy event for the same handler Lambda runs,
 * so local mode and AWS share every line between the event and DynamoDB. `GET /events` streams
 * lifecycle events (Server-Sent Events). With an API key set, requests without it get 401 Unauthorized,
 * as in AWS (where a gateway response rewrites API Gateway's 403, infra/constructs/api.ts). Whatever
 * the server refuses itself, down to requests Node cannot parse, is answered in the API's error shape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { MAX_BODY_BYTES } from '../../lib/http/handler';
import { isTunerError } from '../../lib/errors';
import { decodeUtf8Body } from '../../lib/http/utf8';
import type { LocalEventHub } from '../../lib/events/local';
import { getLogger } from '../../lib/wiring';
import { serveEvents, type EventStream } from './sse';
import { loadHandler, toProxyEvent } from './proxy-event';
import { matchRoute } from './router';

/** Requests far above the handlers' own limit are cut off while reading, not buffered. */
const READ_LIMIT_BYTES = 4 * MAX_BODY_BYTES;
/** How long close() lets requests in flight finish before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 5_000;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

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

/**
 * Compares digests, not the keys: timingSafeEqual needs equal lengths, and returning early on a length
 * mismatch would tell an attacker timing requests how long the key is.
 */
export function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > READ_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A client that went away mid-request: nothing went wrong on our side, so no ERROR line. */
function isClientAbort(err: unknown, req: IncomingMessage): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (req.destroyed && (err as Error)?.message === 'aborted');
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
  /** handle() of every request not finished yet: close() waits for them before the database goes. */
  const running = new Set<Promise<void>>();
  const responses = new Set<ServerResponse>();
  /** Connections answered by clientError: a request already read from one of them is not run. */
  const refused = new WeakSet<Duplex>();
  const streams = new Set<EventStream>();
  /** Connections whose last request had a body method but neither Content-Length nor chunked framing. */
  const unframed = new WeakSet<Duplex>();
  let closing: Promise<void> | undefined;

  const context: RequestContext = { options, streams, refused, isClosing: () => closing !== undefined };
  const server = createServer((req, res) => {
    responses.add(res);
    res.on('close', () => {
      responses.delete(res);
      // A keep-alive connection whose answer was under way when close() began is idle now.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('connection', 'close');
    if (BODY_METHODS.has(req.method ?? '') && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      // HTTP/1.1 gives such a request no body. Bytes the client sent after the headers anyway would be
      // read as its next request: answer this one, then close, so they never are.
      unframed.add(req.socket);
      res.setHeader('connection', 'close');
    }
    const done = handle(req, res, context)
      .catch((err) => {
        if (isClientAbort(err, req)) {
          getLogger().debug('local request aborted by the client', { method: req.method, path: req.url, error: String(err) });
          return;
        }
        console.error(JSON.stringify({ level: 'ERROR', message: 'local server error', error: String(err) }));
        if (!res.headersSent) send(res, 500, errorBody('InternalError', 'internal error'));
        else res.end();
      })
      .finally(() => running.delete(done));
    running.add(done);
  });

  // What Node answers by itself (a bare 400, 431 or 408 without a body), in the API's error shape.
  server.on('clientError', (err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    refused.add(socket);
    const inFlight = (socket as unknown as { _httpMessage?: ServerResponse | null })._httpMessage;
    // As Node does: answer only if nothing of another answer went out on this connection yet, then
    // destroy it (a request read before the bad bytes is not run: see handle).
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, code, message } = describeClientError(err, server, unframed.has(socket));
    const body = JSON.stringify(errorBody(code, message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    socket.destroy();
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

function describeClientError(err: NodeJS.ErrnoException & { reason?: string }, server: Server, unframed: boolean): { status: number; code: string; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HeadersTooLarge', message: `the request's headers are larger than ${maxHeaderSize} bytes` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'RequestTimeout',
        message: `the request did not arrive in time (its headers within ${server.headersTimeout / 1000} s, all of it within ${server.requestTimeout / 1000} s)`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'PayloadTooLarge', message: 'the chunk extensions of the request are too large' };
    default: {
      const hint = unframed
        ? ': the request before it had a body method but neither Content-Length nor Transfer-Encoding: chunked, so it had no body and what the client sent after its headers was read as another request'
        : '';
      return { status: 400, code: 'MalformedRequest', message: `the request is not valid HTTP/1.1 (${err.reason ?? err.message ?? err.code})${hint}` };
    }
  }
}

interface RequestContext {
  options: LocalServerOptions;
  streams: Set<EventStream>;
  refused: WeakSet<Duplex>;
  isClosing(): boolean;
}

/** Dot segments, plain or percent-encoded, as the URL parser would resolve them ("/a/%2e%2e" is "/"). */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * The request target as a URL, or why it is refused. Resolving it against a base, as `new URL(target,
 * base)` does, would read "//studies" as a host named "studies", or throw. And the URL parser rewrites
 * the path before any routing: it resolves "." and ".." segments (also as %2e) and takes "\" for "/", so
 * `DELETE /studies/{id}/runs/%2e%2e` would reach `DELETE /studies/{id}`. Such targets are refused: API
 * Gateway's routes never see one, and no id of ours contains a dot segment or a backslash.
 */
export function requestUrl(target: string | undefined): { url: URL } | { refused: string } {
  if (!target?.startsWith('/')) return { refused: `the request target ${JSON.stringify(target)} is not a path` };
  const path = target.split(/[?#]/, 1)[0];
  if (path.includes('\\')) return { refused: `the request target ${JSON.stringify(target)} contains a backslash: percent-encode it (%5C)` };
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    return { refused: `the request target ${JSON.stringify(target)} has a "." or ".." segment: send the path it stands for` };
  }
  try {
    return { url: new URL(`http://localhost${target}`) };
  } catch {
    return { refused: `the request target ${JSON.stringify(target)} is not a path` };
  }
}

const EVENTS_PATH = /^\/events\/?$/;

async function handle(req: IncomingMessage, res: ServerResponse, { options, streams, refused, isClosing }: RequestContext): Promise<void> {
  const target = requestUrl(req.url);
  if ('refused' in target) {
    send(res, 400, errorBody('InvalidRequestTarget', target.refused));
    return;
  }
  const { url } = target;
  if (options.apiKey && !keyMatches(req.headers['x-api-key'] as string | undefined, options.apiKey)) {
    send(res, 401, errorBody('Unauthorized', 'missing or wrong x-api-key header'));
    return;
  }
  if (EVENTS_PATH.test(url.pathname)) {
    if (req.method === 'GET' && isClosing()) {
      send(res, 503, errorBody('ServiceUnavailable', 'the server is shutting down'), { 'retry-after': '1' });
      return;
    }
    // serveEvents answers anything but GET (HEAD too) with 405 and Allow: GET, as every route does.
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
  const bytes = await readBody(req);
  if (bytes === undefined) {
    send(res, 413, errorBody('PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`), { connection: 'close' });
    return;
  }
  // Bytes after this request's were not HTTP: the client has a 400 for the connection, which is gone,
  // and must not see this request run. (Often reading the body fails first, as the connection is
  // destroyed; when the request had been read whole, nothing else stops it.)
  if (refused.has(req.socket)) return;
  let body: string;
  try {
    body = decodeUtf8Body(bytes);
  } catch (err) {
    if (!isTunerError(err)) throw err;
    send(res, err.status, errorBody(err.code, err.message));
    return;
  }
  const handler = await loadHandler(match.route.handler);
  const result = await handler(
    toProxyEvent({ method: req.method ?? 'GET', url, headers: req.headers, body, resource: match.route.path, pathParameters: match.pathParameters }),
  );
  res.writeHead(result.statusCode, result.headers as Record<string, string>);
  res.end(result.body);
}
