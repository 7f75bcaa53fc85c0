/**
 * Calls route handlers in-process with real API Gateway proxy events (built as the local server builds
 * them), against a dynalite table: the handlers, use cases and store all run for real.
 */
import { afterEach } from 'vitest';
import { MemoryPublisher } from '../../lib/events/publisher';
import type { TunerDeps } from '../../lib/tuner/deps';
import { setDeps } from '../../lib/wiring';
import { matchRoute } from '../../infra/local/router';
import { loadHandler, toProxyEvent } from '../../infra/local/proxy-event';
import { freshTable } from './dynamo';

export interface Reply<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface TestApi {
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  events: MemoryPublisher;
  deps: TunerDeps;
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  table: Awaited<ReturnType<typeof freshTable>>;
}

export async function testApi(startMs = Date.parse('2026-01-01T00:00:00Z')): Promise<TestApi> {
  const table = await freshTable();
  const events = new MemoryPublisher();
  let now = startMs;
  const deps: TunerDeps = { store: table.store, events, clock: () => now, logger: { error: () => undefined } };
  setDeps(deps);
  return {
    events,
    deps,
    table,
    advance: (ms) => void (now += ms),
    async call(method, path, body, headers = {}) {
      setDeps(deps);
      const url = new URL(path, 'http://localhost');
      const match = matchRoute(method, url.pathname);
      if (match.kind !== 'route') return { status: match.kind === 'not-found' ? 404 : 405, headers: {}, body: undefined as never };
      const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      const handler = await loadHandler(match.route.handler);
      const res = await handler(
        toProxyEvent({ method, url, headers: { 'content-type': 'application/json', ...headers }, body: raw, resource: match.route.path, pathParameters: match.pathParameters }),
      );
      return { status: res.statusCode, headers: (res.headers ?? {}) as Record<string, string>, body: res.body ? JSON.parse(res.body) : undefined };
    },
  };
}

afterEach(() => setDeps(undefined));
