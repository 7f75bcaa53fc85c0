/**
 * The local server's own answers, over real sockets: request targets it refuses, what Node would have
 * answered bare (malformed requests, huge headers, timeouts), /events' methods, the API key, bodies that
 * are not UTF-8, client aborts, and a graceful close.
 */
import { once } from 'node:events';
import { Agent, get, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocal, type LocalService } from '../../../infra/local/app';
import { keyMatches } from '../../../infra/local/server';
import { getLogger } from '../../../lib/wiring';

const space = { x: { type: 'float', low: 0, high: 1 } };

async function json(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Sends raw bytes on a new connection and reads until the server closes it (or `untilBytes` arrive). */
async function raw(url: string, bytes: string | Buffer): Promise<{ status: number; headers: Record<string, string>; body: string; text: string }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => undefined);
  socket.write(bytes);
  await once(socket, 'close');
  return parseResponse(Buffer.concat(chunks).toString('utf8'));
}

function parseResponse(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body, text };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const i = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, i), 16);
    if (!size) return out;
    out += rest.slice(i + 2, i + 2 + size);
    rest = rest.slice(i + 2 + size + 2);
  }
}

describe('the local server', () => {
  let svc: LocalService;
  let studyId: string;
  beforeAll(async () => {
    svc = await startLocal({ apiKey: 'the-key' });
    studyId = (await json(`${svc.url}/studies`, 'POST', { name: 'srv', space }, { 'x-api-key': 'the-key' })).body.studyId;
  });
  afterAll(async () => {
    await svc?.close();
  });
  afterEach(() => vi.restoreAllMocks());
  const key = { 'x-api-key': 'the-key' };

  describe('request targets', () => {
    it('refuses "." and ".." segments, plain or percent-encoded, with 400 InvalidRequestTarget, before routing', async () => {
      const targets = [
        `/studies/${studyId}/runs/..`,
        `/studies/${studyId}/runs/%2e%2e`,
        `/studies/${studyId}/runs/%2E%2e`,
        `/studies/${studyId}/runs/.%2e`,
        `/studies/${studyId}/runs/%2e.`,
        `/studies/${studyId}/./runs`,
        `/studies/${studyId}/%2e/runs`,
        `/studies/${studyId}/runs/x\\..`,
        `/studies/${studyId}\\runs`,
        `/studies/${studyId}/runs/%2e%2e?limit=1`,
      ];
      for (const target of targets) {
        const reply = await raw(svc.url, `DELETE ${target} HTTP/1.1\r\nhost: x\r\nx-api-key: the-key\r\nconnection: close\r\n\r\n`);
        expect(reply.status, target).toBe(400);
        expect(JSON.parse(reply.body).error.code, target).toBe('InvalidRequestTarget');
      }
      // `DELETE /studies/$SID/runs/%2e%2e` used to reach DELETE /studies/$SID.
      expect((await json(`${svc.url}/studies/${studyId}`, 'GET', undefined, key)).status).toBe(200);
    });

    it('still takes dots inside a segment and encoded slashes as they are', async () => {
      expect((await json(`${svc.url}/studies/a..b`, 'GET', undefined, key)).status).toBe(400); // not an id: ValidationError
      expect((await json(`${svc.url}/studies/a..b`, 'GET', undefined, key)).body.error.code).toBe('ValidationError');
      expect((await json(`${svc.url}/studies/...`, 'GET', undefined, key)).body.error.code).toBe('ValidationError');
    });
  });

  describe('what Node answers by itself, in the error shape', () => {
    it('a request that is not HTTP: 400 MalformedRequest as JSON', async () => {
      const reply = await raw(svc.url, 'GARBAGE\r\n\r\n');
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toContain('application/json');
      expect(JSON.parse(reply.body).error).toMatchObject({ code: 'MalformedRequest' });
    });

    it('headers over 16 KB: 431 HeadersTooLarge as JSON', async () => {
      const reply = await raw(svc.url, `GET /studies HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(reply.status).toBe(431);
      expect(JSON.parse(reply.body).error.code).toBe('HeadersTooLarge');
    });

    it('a request that did not arrive in time: 408 RequestTimeout as JSON', async () => {
      // Node checks request timeouts every 30 s; the error it then raises is sent here directly.
      const { port } = new URL(svc.url);
      const accepted = once(svc.server, 'connection') as Promise<[Socket]>;
      const client = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      client.on('data', (d) => chunks.push(d));
      client.write('POST /studies HTTP/1.1\r\nhost: x\r\n');
      const [serverSide] = await accepted;
      svc.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), serverSide);
      await once(client, 'close');
      const reply = parseResponse(Buffer.concat(chunks).toString('utf8'));
      expect(reply.status).toBe(408);
      expect(JSON.parse(reply.body).error.code).toBe('RequestTimeout');
    });

    it('a POST whose body is sent without Content-Length or chunked: 400 saying so, and the request is not run', async () => {
      const body = JSON.stringify({ workerId: 'w' });
      const reply = await raw(svc.url, `POST /studies/${studyId}/runs HTTP/1.1\r\nhost: x\r\nx-api-key: the-key\r\ncontent-type: application/json\r\n\r\n${body}`);
      expect(reply.status).toBe(400);
      const error = JSON.parse(reply.body).error;
      expect(error.code).toBe('MalformedRequest');
      expect(error.message).toContain('neither Content-Length nor Transfer-Encoding: chunked');
      const study = await json(`${svc.url}/studies/${studyId}`, 'GET', undefined, key);
      expect(study.body.counts.running).toBe(0);
    });

    it('a complete request followed by bytes that are not HTTP: 400 for the connection, and that request is not run either', async () => {
      const reply = await raw(svc.url, `POST /studies/${studyId}/runs HTTP/1.1\r\nhost: x\r\nx-api-key: the-key\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}NOT HTTP\r\n\r\n`);
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.body).error.code).toBe('MalformedRequest');
      const study = await json(`${svc.url}/studies/${studyId}`, 'GET', undefined, key);
      expect(study.body.counts.running).toBe(0);
    });

    it('a POST without Content-Length and without a body is a request with an empty body, answered, then the connection closes', async () => {
      const reply = await raw(svc.url, `POST /studies/${studyId}/stop HTTP/1.1\r\nhost: x\r\nx-api-key: the-key\r\n\r\n`);
      expect(reply.status).toBe(200);
      expect(reply.headers.connection).toBe('close');
      expect(JSON.parse(reply.body).state).toBe('stopped');
    });
  });

  it('answers POST and HEAD on /events with 405 and Allow: GET, as on every route', async () => {
    const post = await json(`${svc.url}/events`, 'POST', {}, key);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(post.body.error.code).toBe('MethodNotAllowed');
    const head = await fetch(`${svc.url}/events`, { method: 'HEAD', headers: key });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('GET');
    expect((await json(`${svc.url}/events/`, 'PUT', {}, key)).status).toBe(405);
  });

  it('refuses a wrong API key of any length with 401, and compares keys in constant time', async () => {
    for (const wrong of ['', 'x', 'the-ke', 'the-kez', 'the-key-', 'the-key'.repeat(50)]) {
      const reply = await json(`${svc.url}/studies`, 'GET', undefined, { 'x-api-key': wrong });
      expect(reply.status, JSON.stringify(wrong)).toBe(401);
      expect(reply.body.error.code).toBe('Unauthorized');
    }
    expect((await json(`${svc.url}/studies`, 'GET', undefined, key)).status).toBe(200);
    expect(keyMatches('the-key', 'the-key')).toBe(true);
    expect(keyMatches('the-key-and-more', 'the-key')).toBe(false);
    expect(keyMatches(undefined, 'the-key')).toBe(false);
  });

  it('refuses a body that is not UTF-8 with 400 InvalidJson naming the offset, and stores nothing', async () => {
    const good = Buffer.from(JSON.stringify({ name: 'caf', space }));
    // {"name":"caf\xe9", ...}: Latin-1 é, a byte UTF-8 does not allow there.
    const bad = Buffer.concat([good.subarray(0, 12), Buffer.from([0xe9]), good.subarray(12)]);
    const res = await fetch(`${svc.url}/studies`, { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: bad });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('InvalidJson');
    expect(error.message).toContain('not valid UTF-8');
    expect(error.message).toContain('offset 12');
    const listed = await json(`${svc.url}/studies?limit=1000`, 'GET', undefined, key);
    expect(listed.body.studies.map((s: { name: string }) => s.name)).not.toContain('caf\uFFFD');
  });

  it('does not log a client that goes away mid-request as a server error', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const debug = vi.spyOn(getLogger(), 'debug');
    const { port } = new URL(svc.url);
    const client = connect(Number(port), '127.0.0.1');
    client.on('error', () => undefined);
    const arrived = once(svc.server, 'request');
    client.write(`POST /studies HTTP/1.1\r\nhost: x\r\nx-api-key: the-key\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"na`);
    await arrived;
    client.destroy();

    await vi.waitFor(() => expect(debug).toHaveBeenCalledWith('local request aborted by the client', expect.anything()), { timeout: 5000, interval: 10 });
    expect(errors.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringContaining('local server error'));
  });
});

describe('closing the local server', () => {
  it('lets a request in flight finish and answers it, while refusing new connections', async () => {
    const svc = await startLocal({ shutdownGraceMs: 120_000 });
    const { port } = new URL(svc.url);
    const body = JSON.stringify({ name: 'in flight', space });
    const arrived = once(svc.server, 'request');
    let req!: ReturnType<typeof request>;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req = request({ host: '127.0.0.1', port, method: 'POST', path: '/studies', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await arrived;

    const closing = svc.close();
    await expect(fetch(`${svc.url}/studies`)).rejects.toThrow();
    req.end(body.slice(10));

    const got = await answer;
    expect(got.status).toBe(201);
    expect(JSON.parse(got.text).name).toBe('in flight');
    await closing;
  });

  it('ends event streams cleanly and closes idle keep-alive connections at once, without waiting for the grace', async () => {
    // A grace longer than the test's timeout: close() finishing shows nothing waited for it.
    const svc = await startLocal({ shutdownGraceMs: 10 * 60_000 });
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve) => get(`${svc.url}/studies`, { agent }, (res) => res.resume().on('end', () => resolve())));
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1); // idle, kept alive
    const events = await fetch(`${svc.url}/events`);
    const reader = events.body!.getReader();
    await reader.read(); // ": connected"

    await svc.close();

    let done = false;
    while (!done) ({ done } = await reader.read());
    expect(done).toBe(true);
  });

  it('cuts a request that does not finish within the grace', async () => {
    const svc = await startLocal({ shutdownGraceMs: 50 });
    const { port } = new URL(svc.url);
    const client = connect(Number(port), '127.0.0.1');
    client.on('error', () => undefined);
    const arrived = once(svc.server, 'request');
    client.write('POST /studies HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
    await arrived;
    const closed = once(client, 'close');

    await svc.close();
    await closed;
  });
});
