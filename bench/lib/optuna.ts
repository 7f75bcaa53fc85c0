/** Runs bench/optuna_side.py with Debian's Python when python3-optuna is installed. */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'optuna_side.py');

let cached: string | null | undefined;

/** Optuna's version, or null when it cannot be imported (the bench then prints "Optuna not installed: skipped"). */
export function optunaVersion(): string | null {
  if (cached !== undefined) return cached;
  if (!existsSync(PYTHON)) return (cached = null);
  const r = spawnSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
  cached = r.status === 0 ? r.stdout.trim() : null;
  return cached;
}

/** Runs the script with `args`; resolves when it exits 0. */
export function runOptunaSide(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`optuna_side.py ${args[0]} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/**
 * Optuna's regret curves for these seeds and budget, from bench/results/ when an earlier run made them
 * with the same script, Optuna version, seeds and budget (a 50-seed Optuna side takes about 15
 * minutes on two cores; ours under a minute). Resolves to the curves, to the error of a failed run, or
 * to undefined when Optuna is not installed.
 */
export async function optunaRegretCurves(seeds: readonly number[], budget: number): Promise<Record<string, Record<string, number[][]>> | Error | undefined> {
  const version = optunaVersion();
  if (!version) return undefined;
  const key = createHash('sha256')
    .update(readFileSync(SCRIPT))
    .update(`\n${version}\n${seeds.join(',')}\n${budget}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(dirname(SCRIPT), 'results');
  const file = join(dir, `optuna-regret-${key}.json`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.partial`;
    try {
      await runOptunaSide(['regret', seeds.join(','), String(budget), partial]);
    } catch (err) {
      return err as Error;
    }
    renameSync(partial, file);
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}
