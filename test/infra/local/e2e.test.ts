/** End to end over real HTTP: local mode (dynalite + server + handlers), trainers in TypeScript and Python. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, type LocalService } from '../../../infra/local/app';

const space = {
  x: { type: 'float', low: -4, high: 4 },
  y: { type: 'float', low: -4, high: 4 },
  opt: { type: 'categorical', choices: ['a', 'b'] },
};
const objective = (p: { x: number; y: number; opt: string }) => (p.x - 1) ** 2 + (p.y + 2) ** 2 + (p.opt === 'a' ? 0 : 0.5);

async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('local mode end to end over HTTP', () => {
  let svc: LocalService;
  beforeAll(async () => {
    svc = await startLocal();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('runs a 30-run study whose best is the lowest completed value', async () => {
    const study = await http(svc.url, 'POST', '/studies', { name: 'e2e', space, maxRuns: 30 });
    expect(study.status).toBe(201);
    const id = study.body.studyId;
    const values = new Map<string, number>();
    for (;;) {
      const run = await http(svc.url, 'POST', `/studies/${id}/runs`, { workerId: 'ts' });
      if (run.status === 409) {
        expect(run.body.error.code).toBe('StudyExhausted');
        break;
      }
      expect(run.status).toBe(201);
      const v = objective(run.body.params);
      for (let step = 1; step <= 3; step++) {
        const m = await http(svc.url, 'POST', `/studies/${id}/runs/${run.body.runId}/metrics`, { step, value: v + 1 / step });
        expect(m).toMatchObject({ status: 200, body: { prune: false } });
      }
      expect((await http(svc.url, 'POST', `/studies/${id}/runs/${run.body.runId}/complete`, { value: v })).status).toBe(200);
      values.set(run.body.runId, v);
    }
    expect(values.size).toBe(30);
    const got = await http(svc.url, 'GET', `/studies/${id}`);
    const [bestId, bestValue] = [...values.entries()].sort((a, b) => a[1] - b[1])[0];
    expect(got.body.best).toMatchObject({ runId: bestId, value: bestValue });
    expect(got.body.counts).toEqual({ running: 0, completed: 30, failed: 0, pruned: 0, timed_out: 0 });
  });

  it('answers unknown routes 404, wrong methods 405, and oversized bodies 413, all as JSON errors', async () => {
    expect((await http(svc.url, 'GET', '/nope')).body.error.code).toBe('RouteNotFound');
    const wrong = await http(svc.url, 'PUT', '/studies');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    const big = await http(svc.url, 'POST', '/studies', JSON.stringify({ name: 'x'.repeat(1_000_000) }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PayloadTooLarge');
  });

  it('runs the standard-library Python trainer through a 50-run study with 4 workers', async () => {
    const python = spawnSync('python3', ['--version']);
    expect(python.status, 'python3 is needed for this test').toBe(0);
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('python3', ['examples/trainer.py', '--url', svc.url, '--runs', '50', '--workers', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`trainer exited ${code}: ${stderr}`))));
    });
    const summary = JSON.parse(out.trim().split('\n').at(-1) as string);
    const counts = summary.counts as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(50);
    expect(counts.running).toBe(0);
    expect(counts.completed).toBeGreaterThan(0);
    expect(summary.best.value).toBeTypeOf('number');
  });
});

/** `npm start`'s entry point as a child process (extra args appended), quiet, on a free port. */
function startMain(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', '--quiet', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

function urlOf(p: ReturnType<typeof spawn>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let err = '';
    p.stderr?.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    p.on('close', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

describe('local mode options', () => {
  it('refuses requests without the API key when one is set, with a JSON 401', async () => {
    const svc = await startLocal({ apiKey: 's3cret' });
    try {
      const no = await http(svc.url, 'GET', '/studies');
      expect(no.status).toBe(401);
      expect(no.body.error.code).toBe('Unauthorized');
      expect((await http(svc.url, 'GET', '/studies', undefined, { 'x-api-key': 'wrong' })).status).toBe(401);
      expect((await http(svc.url, 'GET', '/studies', undefined, { 'x-api-key': 's3cret' })).status).toBe(200);
    } finally {
      await svc.close();
    }
  });

  it('keeps studies on disk across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuner-'));
    try {
      const a = await startLocal({ dataDir: dir });
      const id = (await http(a.url, 'POST', '/studies', { name: 'kept', space })).body.studyId;
      await http(a.url, 'POST', `/studies/${id}/runs`);
      await a.close();
      const b = await startLocal({ dataDir: dir });
      try {
        const got = await http(b.url, 'GET', `/studies/${id}`);
        expect(got.body).toMatchObject({ name: 'kept', counts: { running: 1 } });
        expect((await http(b.url, 'POST', `/studies/${id}/runs`)).body.number).toBe(1);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts with `npm start`, prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const p = startMain(['--memory']);
    try {
      const url = await urlOf(p);
      expect((await http(url, 'POST', '/studies', { name: 'cli', space })).status).toBe(201);
      const exit = new Promise<number | null>((resolve) => p.on('close', resolve));
      p.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('stops, port freed, when `npm start` itself gets SIGTERM or SIGINT (no wrapper or shell left running)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const npm = spawn('npm', ['start', '--silent', '--', '--memory', '--quiet', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const url = await urlOf(npm);
        expect((await fetch(`${url}/studies`)).status).toBe(200);
        const exited = new Promise((resolve) => npm.on('close', resolve));
        npm.kill(signal);
        await exited;
        // npm waits for its script: once it is gone, so is the server.
        await expect(fetch(`${url}/studies`)).rejects.toThrow();
      } finally {
        npm.kill('SIGKILL');
      }
    }
  });

  it('sweeps on its timer: a silent run times out and an unfinished deletion is finished, with nobody reading', async () => {
    const local = await startLocal({ sweepEveryMs: 100 });
    try {
      const silent = (await http(local.url, 'POST', '/studies', { name: 'silent', space, metricTimeoutSeconds: 1 })).body.studyId;
      expect((await http(local.url, 'POST', `/studies/${silent}/runs`)).status).toBe(201);
      const doomed = (await http(local.url, 'POST', '/studies', { name: 'doomed', space })).body.studyId;
      for (let i = 0; i < 3; i++) await http(local.url, 'POST', `/studies/${doomed}/runs`);
      // A DELETE that ran out of time: the study is gone, its runs are still there, listed for the sweeper.
      expect(await local.deps.store.deleteStudy(doomed, 0, Date.now())).toEqual({ existed: true, finished: false });
      const store = local.deps.store;
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const run = await store.getRunByNumber(silent, 0);
        if (run?.state === 'timed_out' && (await store.loadRuns(doomed)).length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await store.getRunByNumber(silent, 0))?.state).toBe('timed_out');
      expect(await store.loadRuns(doomed)).toEqual([]);
      expect(await store.pendingDeletions(10, Date.now())).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('refuses a second `npm start` on the same data directory with one clear line and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuner-twice-'));
    const first = startMain([], { TUNER_DATA_DIR: dir });
    try {
      await urlOf(first);
      const second = startMain([], { TUNER_DATA_DIR: dir });
      let stderr = '';
      second.stderr?.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => second.on('close', resolve));
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^npm start failed: the data directory ${dir} is in use by another process \\(another \`npm start\`\\?\\)`)),
      ]);
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => first.on('close', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses no acknowledged write when killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuner-kill-'));
    try {
      const first = startMain([], { TUNER_DATA_DIR: dir });
      const url = await urlOf(first);
      const id = (await http(url, 'POST', '/studies', { name: 'kill', space })).body.studyId;
      const acked = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        const run = await http(url, 'POST', `/studies/${id}/runs`);
        const done = await http(url, 'POST', `/studies/${id}/runs/${run.body.runId}/complete`, { value: i });
        if (done.status === 200) acked.set(run.body.runId, i);
      }
      const closed = new Promise((resolve) => first.on('close', resolve));
      first.kill('SIGKILL');
      await closed;
      const second = startMain([], { TUNER_DATA_DIR: dir });
      try {
        const url2 = await urlOf(second);
        const runs = (await http(url2, 'GET', `/studies/${id}/runs?limit=100`)).body.runs as { runId: string; value: number; state: string }[];
        expect(runs).toHaveLength(20);
        for (const r of runs) expect(r).toMatchObject({ state: 'completed', value: acked.get(r.runId) });
        expect((await http(url2, 'GET', `/studies/${id}`)).body.best.value).toBe(0);
      } finally {
        second.kill('SIGTERM');
        await new Promise((resolve) => second.on('close', resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
