/**
 * Closing the local server: requests in flight get their answers, event streams and idle keep-alive
 * connections end at once, and only a request that outlasts the grace is cut.
 */
import { once } from 'node:events';
import { Agent, get, request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocal } from '../../../infra/local/app';

const space = { x: { type: 'float', low: 0, high: 1 } };

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
