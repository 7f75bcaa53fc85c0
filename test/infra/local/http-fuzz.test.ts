/**
 * Fuzzing the local server over real HTTP (fast-check): any method, any path made of route words, ids,
 * empty segments and encoded junk, any query, any body and content type. The answer is never a 500,
 * and every error is JSON with a code. Local mode is what users run first; it must not fall over.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, type LocalService } from '../../../infra/local/app';

describe('the local server under arbitrary requests', () => {
  let svc: LocalService;
  let studyId: string;
  beforeAll(async () => {
    svc = await startLocal();
    const created = await fetch(`${svc.url}/studies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fuzz', space: { x: { type: 'float', low: 0, high: 1 } } }),
    });
    studyId = ((await created.json()) as { studyId: string }).studyId;
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('answers any method, path, query and body with a non-500, and errors as coded JSON', async () => {
    const segment = fc.oneof(
      fc.constantFrom('studies', 'runs', 'metrics', 'complete', 'export', 'stop', 'enqueue', 'heartbeat', '', '..', '%2F', '%00', '%E0%A4%A', 'a%20b'),
      fc.constant(null).map(() => studyId),
      fc.string({ unit: 'binary', maxLength: 8 }).map(encodeURIComponent),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.array(segment, { maxLength: 6 }),
        fc.option(fc.string({ maxLength: 20 }).map(encodeURIComponent), { nil: undefined }),
        body,
        fc.constantFrom('application/json', 'text/plain', '', 'application/json; charset=latin1', 'multipart/form-data'),
        async (method, segments, q, payload, contentType) => {
          const path = `/${segments.join('/')}${q === undefined ? '' : `?limit=${q}&cursor=${q}`}`;
          // GET /events is an endless stream (tested in sse.test.ts).
          if (method === 'GET' && /^\/events(\?|$)/.test(path)) return;
          const res = await fetch(svc.url + path, {
            method,
            headers: contentType ? { 'content-type': contentType } : {},
            body: payload === undefined || method === 'GET' || method === 'HEAD' ? undefined : payload,
          });
          const text = await res.text();
          expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(500);
          if (res.status >= 400 && method !== 'HEAD') expect(typeof JSON.parse(text).error.code, `${method} ${path}`).toBe('string');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers paths with empty segments as unknown routes, not as URLs with a host', async () => {
    for (const path of ['//', '//studies', '/studies//runs', `//studies/${studyId}`]) {
      const res = await fetch(svc.url + path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RouteNotFound');
    }
  });

  it('answers a request target that is not a path (OPTIONS *) with a coded 400', async () => {
    const { port } = new URL(svc.url);
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'OPTIONS', path: '*' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.code).toBe('InvalidRequestTarget');
  });
});
