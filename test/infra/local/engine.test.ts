/**
 * The LevelDB layer under local mode's dynalite (infra/local/level.ts): iterators are closed after each
 * Query, storage errors become answers instead of killing the server, and a data directory that cannot
 * be used is refused with a clear message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocal, type LocalService } from '../../../infra/local/app';
import { startEngine } from '../../../infra/local/engine';
import { ClassicIterator, DataDirError, Level } from '../../../infra/local/level';

const space = { x: { type: 'float', low: 0, high: 1 } };

async function post(url: string, body: unknown = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

describe('a disk-backed engine', () => {
  let dir: string;
  let svc: LocalService;
  const restore: (() => void)[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tuner-engine-'));
    svc = await startLocal({ dataDir: dir });
  });
  afterAll(async () => {
    for (const r of restore.splice(0)) r();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Replaces proto[name] until the test's end (or `undo()`). */
  function stub(proto: Record<string, any>, name: string, fn: (original: any) => any): () => void {
    const original = proto[name];
    proto[name] = fn(original);
    const undo = () => {
      proto[name] = original;
    };
    restore.push(undo);
    return undo;
  }

  it('closes the LevelDB iterator of every Query it serves (dynalite calls return(), level iterators only had close())', async () => {
    // Count the native LevelDB iterators: classic-level makes one in _iterator and releases it in _close.
    let open = 0;
    let made = 0;
    stub(Level.prototype as any, '_iterator', (original) =>
      function (this: unknown, ...args: unknown[]) {
        open++;
        made++;
        return original.apply(this, args);
      },
    );
    stub(ClassicIterator.prototype, '_close', (original) =>
      function (this: unknown, ...args: unknown[]) {
        open--;
        return original.apply(this, args);
      },
    );
    const study = await post(`${svc.url}/studies`, { name: 'iterators', space });
    const studyId = study.body.studyId as string;
    for (let i = 0; i < 5; i++) {
      const run = await post(`${svc.url}/studies/${studyId}/runs`);
      await post(`${svc.url}/studies/${studyId}/runs/${run.body.runId}/complete`, { value: i });
    }
    const store = svc.deps.store;
    for (let i = 0; i < 40; i++) {
      await store.loadRuns(studyId);
      await store.listRuns(studyId, 2);
      await store.listStudies(1);
    }

    expect(made).toBeGreaterThan(120);
    // Closing follows the answer by a tick or two (the stream is destroyed after its last item).
    await vi.waitFor(() => expect(open).toBe(0), { timeout: 5000, interval: 20 });
  });

  it('answers a storage error (disk full) with 503 and keeps serving, instead of dying in dynalite', async () => {
    const study = await post(`${svc.url}/studies`, { name: 'disk', space });
    expect(study.status).toBe(201);
    const studyId = study.body.studyId as string;
    const diskFull = () => Promise.reject(Object.assign(new Error(`IO error: ${dir}/000005.log: No space left on device`), { code: 'LEVEL_IO_ERROR' }));
    // Below the layer level.ts wraps: what classic-level's native binding answers when a write fails.
    const undoPut = stub(Level.prototype as any, '_put', () => diskFull);
    const undoBatch = stub(Level.prototype as any, '_batch', () => diskFull);

    const refused = await post(`${svc.url}/studies`, { name: 'no room', space });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('ServiceUnavailable');
    expect(refused.headers.get('retry-after')).toBe('1');
    const read = await fetch(`${svc.url}/studies/${studyId}`);
    expect(read.status).toBe(200);

    undoPut();
    undoBatch();
    expect((await post(`${svc.url}/studies/${studyId}/runs`)).status).toBe(201);
  });

  it('answers a failing read (an I/O error while iterating) with 503 and keeps serving', async () => {
    const study = await post(`${svc.url}/studies`, { name: 'read', space });
    const studyId = study.body.studyId as string;
    const undo = stub(ClassicIterator.prototype, '_next', () => () => Promise.reject(Object.assign(new Error('IO error: 000007.ldb: Input/output error'), { code: 'LEVEL_IO_ERROR' })));

    const listed = await fetch(`${svc.url}/studies/${studyId}/runs`);
    expect(listed.status).toBe(503);

    undo();
    expect((await fetch(`${svc.url}/studies/${studyId}/runs`)).status).toBe(200);
  });

  it('refuses a second engine on the same data directory with a DataDirError naming it', async () => {
    const second = startEngine({ path: dir });
    await expect(second).rejects.toBeInstanceOf(DataDirError);
    await expect(second).rejects.toThrow(`the data directory ${dir} is in use by another process`);
    // The first one is unaffected.
    expect((await fetch(`${svc.url}/studies?limit=1`)).status).toBe(200);
  });
});
