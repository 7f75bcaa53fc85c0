/**
 * The example Python trainer against `npm start`'s entry point in a child process that is killed with
 * SIGKILL in the middle of a study and started again on the same data directory: the trainer's retries
 * (connection errors included, also while reading an answer) and its Idempotency-Keys must carry every
 * run through, none failed, none left running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function startService(port: number, dataDir: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', '--quiet', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TUNER_DATA_DIR: dataDir },
  });
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('listening on')) resolve(p);
    });
    p.on('close', (code) => reject(new Error(`service exited ${code}: ${err}`)));
  });
}

const getJson = async (url: string) => (await fetch(url)).json() as Promise<any>;

describe('the Python trainer across a kill -9 of the service', () => {
  it('completes every run of its study when the service dies mid-study and comes back on the same data', async () => {
    expect(spawnSync('python3', ['--version']).status, 'python3 is needed for this test').toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tuner-restart-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let service = await startService(port, dir);
    const trainer = spawn('python3', ['examples/trainer.py', '--url', url, '--runs', '40', '--workers', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    trainer.stdout.on('data', (d) => (stdout += d));
    trainer.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => trainer.on('close', resolve));
    try {
      // Killed once the study is under way (at least 5 runs completed), not at some guessed moment.
      let studyId: string | undefined;
      for (let completed = 0; completed < 5; ) {
        await new Promise((r) => setTimeout(r, 50));
        studyId ??= (await getJson(`${url}/studies`)).studies[0]?.studyId;
        if (studyId) completed = (await getJson(`${url}/studies/${studyId}`)).counts.completed;
      }
      service.kill('SIGKILL');
      await new Promise((r) => service.on('close', r));
      service = await startService(port, dir);

      expect(await exited, stderr).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(summary.counts).toMatchObject({ completed: 40, failed: 0, running: 0, timed_out: 0 });
      expect((await getJson(`${url}/studies/${studyId}`)).counts.completed).toBe(40);
    } finally {
      trainer.kill();
      service.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
