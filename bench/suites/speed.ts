/**
 * Speed suite: time for one proposal with 100, 1000 and 5000 completed runs over 10 mixed params,
 * ours (tpe and auto, median over repeats) against Optuna's `study.ask()` (default TPESampler) on the
 * very same completed trials, measured in the same bench run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Space, Trial } from '../../lib/domain/types';
import { createRng, mixSeed } from '../../lib/random';
import { MAX_CHOICES, MAX_PARAMS } from '../../lib/space/spec';
import { sampleUniform } from '../../lib/space/transform';
import { getStrategy } from '../../lib/strategies/registry';
import type { BenchOptions } from '../lib/options';
import { optunaVersion, runOptunaSide } from '../lib/optuna';
import { fmt, median } from '../lib/stats';
import { speedTargets, targetsTable } from '../lib/targets';

export const name = 'speed';

export const SPEED_SPACE: Space = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true },
  { name: 'wd', type: 'float', low: 1e-6, high: 1e-2, log: true },
  { name: 'dropout', type: 'float', low: 0, high: 0.5 },
  { name: 'momentum', type: 'float', low: 0.8, high: 0.99 },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'width', type: 'int', low: 32, high: 1024, log: true },
  { name: 'batch', type: 'int', low: 16, high: 256, step: 16 },
  { name: 'warmup', type: 'float', low: 0, high: 0.2, step: 0.01 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  { name: 'act', type: 'categorical', choices: ['relu', 'gelu', 'tanh', 'silu'] },
];

const SIZES = [100, 1000, 5000];

/** The largest spaces the API accepts (MAX_PARAMS params; MAX_CHOICES choices each), ours only. */
const LIMIT_SPACES: { label: string; space: Space }[] = [
  { label: `${MAX_PARAMS} floats`, space: Array.from({ length: MAX_PARAMS }, (_, i) => ({ name: `x${i}`, type: 'float' as const, low: 0, high: 1 })) },
  {
    label: `${MAX_PARAMS} categoricals × ${MAX_CHOICES} choices`,
    space: Array.from({ length: MAX_PARAMS }, (_, i) => ({ name: `c${i}`, type: 'categorical' as const, choices: Array.from({ length: MAX_CHOICES }, (_, k) => k) })),
  },
  {
    // All-discrete, so every ask also checks for duplicates; long choices, as a 64 KB body allows.
    label: `${MAX_PARAMS} categoricals × 2 choices of 250 characters`,
    space: Array.from({ length: MAX_PARAMS }, (_, i) => ({ name: `c${i}`, type: 'categorical' as const, choices: ['a'.repeat(250), 'b'.repeat(250)] })),
  },
];
const LIMIT_SIZES = [1000, 5000];

function history(size: number, space: Space = SPEED_SPACE): Trial[] {
  const rng = createRng(mixSeed(42, size));
  return Array.from({ length: size }, (_, number) => {
    const params = sampleUniform(space, rng);
    const value = space === SPEED_SPACE ? (Math.log10(params.lr as number) + 3) ** 2 + (params.dropout as number) + (params.optimizer === 'adam' ? 0 : 0.5) + 0.1 * rng.normal() : rng.next();
    return { number, params, state: 'completed' as const, value };
  });
}

function timeOurs(strategyName: string, trials: Trial[], repeats: number, space: Space = SPEED_SPACE): number[] {
  const strategy = getStrategy(strategyName);
  const options = strategy.parseOptions({}, space);
  const times: number[] = [];
  for (let r = -2; r < repeats; r++) {
    const number = trials.length + r + 2;
    const t0 = performance.now();
    strategy.propose({ space, history: trials, direction: 'minimize', rng: createRng(mixSeed(1, number)), options, number, seed: 1 });
    const dt = performance.now() - t0;
    if (r >= 0) times.push(dt); // two warm-up proposals (JIT) are not counted
  }
  return times;
}

export async function run(opts: BenchOptions): Promise<string> {
  const repeats: Record<number, number> = { 100: opts.quick ? 10 : 30, 1000: opts.quick ? 5 : 15, 5000: opts.quick ? 3 : 7 };
  const histories = Object.fromEntries(SIZES.map((n) => [n, history(n)]));
  const ours = SIZES.map((n) => ({ n, tpe: median(timeOurs('tpe', histories[n], repeats[n])), auto: median(timeOurs('auto', histories[n], repeats[n])) }));

  const version = optunaVersion();
  let theirs: Record<string, number[]> | undefined;
  let note = version ? '' : 'Optuna not installed: skipped.';
  if (version) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-speed-'));
    try {
      const input = {
        space: SPEED_SPACE,
        histories: Object.fromEntries(SIZES.map((n) => [n, histories[n].map((t) => ({ params: t.params, value: t.value }))])),
        repeats: Object.fromEntries(SIZES.map((n) => [n, Math.max(3, Math.ceil(repeats[n] / 3))])),
      };
      writeFileSync(join(dir, 'in.json'), JSON.stringify(input));
      await runOptunaSide(['speed', join(dir, 'in.json'), join(dir, 'out.json')]);
      theirs = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    } catch (err) {
      note = `Optuna side failed: ${(err as Error).message}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const out = [
    '## Speed: time to propose, 10 mixed params (median ms)',
    `Same completed trials on both sides (random points, synthetic values). Ours: one \`propose\` call, median of ${repeats[100]}/${repeats[1000]}/${repeats[5000]} repeats. ` +
      (theirs ? `Optuna ${version}: \`study.ask(fixed_distributions)\` with the default TPESampler after \`add_trials\`.` : note),
    `| completed runs | tpe | auto |${theirs ? ' optuna tpe ask | optuna / tpe |' : ''}`,
    `|---|---|---|${theirs ? '---|---|' : ''}`,
  ];
  for (const r of ours) {
    const t = theirs ? median(theirs[String(r.n)]) : undefined;
    out.push(`| ${r.n} | ${fmt(r.tpe)} | ${fmt(r.auto)} |${t !== undefined ? ` ${fmt(t)} | ${fmt(t / r.tpe)}x |` : ''}`);
  }
  const at1000 = ours.find((r) => r.n === 1000) as (typeof ours)[number];
  out.push('', targetsTable(speedTargets(at1000.tpe, theirs ? median(theirs['1000']) : undefined)), '', ...limitsTable(opts));
  return out.join('\n').replace('median ms)\n', 'median ms)\n\n').replace('`add_trials`.\n', '`add_trials`.\n\n').replace('skipped.\n', 'skipped.\n\n');
}

/**
 * Time to propose in the largest spaces the API accepts: what a study at the limits costs an ask (the
 * Lambda has 1 GB and 10 s). Ours only: Optuna takes minutes per ask there.
 */
function limitsTable(opts: BenchOptions): string[] {
  const repeats = opts.quick ? 1 : 3;
  const out = [
    `### At the API's limits: time to propose (median ms of ${repeats}, \`tpe\`)`,
    '',
    `| space | ${LIMIT_SIZES.map((n) => `${n} runs`).join(' | ')} |`,
    `|---|${LIMIT_SIZES.map(() => '---|').join('')}`,
  ];
  for (const { label, space } of LIMIT_SPACES) {
    out.push(`| ${label} | ${LIMIT_SIZES.map((n) => fmt(median(timeOurs('tpe', history(n, space), repeats, space)))).join(' | ')} |`);
  }
  return out;
}
