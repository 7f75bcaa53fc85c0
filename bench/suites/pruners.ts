/**
 * Learning-curve benchmark for the pruners: synthetic loss curves with known final values, a
 * simulated tuning loop that reports every step to the pruner (through stepsToLoad + decide, as the
 * report use case does) and stops a run when it is pruned. Per pruner: total steps trained and the
 * best final value found, medians over seeds. Every pruner replays the same runs in the same order,
 * so `none` finds the best run of each seed and a pruner can only keep it or lose it.
 */
import { seedList, type BenchOptions } from '../lib/options';
import type { Pruner, StepValue } from '../../lib/pruners/pruner';
import { getPruner } from '../../lib/pruners/registry';
import { createRng, mixSeed } from '../../lib/random';

export const name = 'pruners';

const RUNS = 60;
const MAX_STEPS = 100;
const NOISE_SD = 0.01;

export interface World {
  name: string;
  /** How much higher the fastest learners settle than the slowest (asymptote += tradeoff * speed). */
  tradeoff: number;
  /** How much of a run's learning speed follows its quality (0: none, speed is its own knob). */
  coupling: number;
  minRate: number;
  maxRate: number;
}

interface CurveSpec {
  start: number;
  asymptote: number;
  rate: number;
  /** Seconds per step: runs train at different speeds, so parallel runs overtake each other. */
  stepTime: number;
  noise: number[];
}

/**
 * Run i of a seed, the same for every pruner (its own RNG stream). Two hyper-parameters: x1 sets the
 * quality (the asymptote); x2 is learning-rate-like. A run's speed mixes x2 with its quality, and
 * fast learners settle `tradeoff` higher, so curves cross and an early leader may not win.
 */
function curveOf(seed: number, i: number, world: World): CurveSpec {
  const rng = createRng(mixSeed(seed, i, 0x5eed));
  const x1 = rng.next();
  const x2 = rng.next();
  // Good configurations tend to learn faster too: `coupling` of the speed comes from the quality.
  const quality = 1 - Math.abs(x1 - 0.3) / 0.7;
  const speed = world.coupling * quality + (1 - world.coupling) * x2;
  return {
    start: 1 + 0.2 * rng.next(),
    asymptote: 0.1 + 0.6 * (x1 - 0.3) ** 2 + world.tradeoff * speed,
    rate: world.minRate * (world.maxRate / world.minRate) ** speed,
    stepTime: 0.5 + rng.next(),
    noise: Array.from({ length: MAX_STEPS + 1 }, () => NOISE_SD * rng.normal()),
  };
}

const trueValue = (c: CurveSpec, step: number) => c.asymptote + (c.start - c.asymptote) * Math.exp(-c.rate * step);
const observed = (c: CurveSpec, step: number) => trueValue(c, step) + c.noise[step];

interface LoopResult {
  steps: number;
  /** Known (noise-free) final value of the best completed run. */
  bestFinal: number;
  bestRun: number;
}

interface Live {
  spec: CurveSpec;
  curve: Map<number, number>;
  state: 'running' | 'completed' | 'pruned';
}

/**
 * `workers` train side by side, each run at its own speed; the next report is always the earliest
 * one due, and a freed worker starts the next run at once.
 */
function tune(c: Resolved, world: World, seed: number, workers: number): LoopResult {
  const runs: Live[] = [];
  const busy: (number | undefined)[] = Array(workers).fill(undefined);
  const clock: number[] = Array(workers).fill(0);
  let steps = 0, finishedRuns = 0;
  let bestFinal = Infinity, bestRun = -1;
  for (;;) {
    for (let w = 0; w < workers; w++) {
      if (busy[w] === undefined && runs.length < RUNS) {
        busy[w] = runs.length;
        runs.push({ spec: curveOf(seed, runs.length, world), curve: new Map(), state: 'running' });
      }
    }
    let w = -1;
    for (let k = 0; k < workers; k++) {
      const i = busy[k];
      if (i !== undefined && (w < 0 || clock[k] + runs[i].spec.stepTime < clock[w] + runs[busy[w]!].spec.stepTime)) w = k;
    }
    if (w < 0) break;
    const i = busy[w]!;
    const run = runs[i];
    clock[w] += run.spec.stepTime;
    const step = run.curve.size + 1;
    const value = observed(run.spec, step);
    run.curve.set(step, value);
    steps++;
    if (decide(c, runs, i, step, value, finishedRuns)) {
      run.state = 'pruned';
    } else if (step === MAX_STEPS) {
      run.state = 'completed';
      const final = trueValue(run.spec, MAX_STEPS);
      if (final < bestFinal) [bestFinal, bestRun] = [final, i];
    }
    if (run.state !== 'running') {
      finishedRuns++;
      busy[w] = undefined;
    }
  }
  return { steps, bestFinal, bestRun };
}

function decide(c: Resolved, runs: Live[], i: number, step: number, value: number, finishedRuns: number): boolean {
  const { pruner, options, countStates } = c;
  const curve = runs[i].curve;
  const others = new Map<number, StepValue[]>();
  for (const s of pruner.stepsToLoad({ step, options, curve })) {
    const at: StepValue[] = [];
    runs.forEach((r, j) => {
      const v = r.curve.get(s);
      if (j !== i && v !== undefined && (!countStates || countStates.includes(r.state))) at.push({ number: j, value: v, state: r.state });
    });
    others.set(s, at);
  }
  return pruner.decide({ direction: 'minimize', options, run: { number: i, step, value, curve }, others, finishedRuns }).prune;
}

export interface Config {
  pruner: string;
  options: Record<string, unknown>;
  /** Bench-only variant: count only other runs in these states (to compare with Optuna's choice). */
  countStates?: Live['state'][];
}

interface Resolved {
  pruner: Pruner<any>;
  options: unknown;
  countStates?: Live['state'][];
}

function resolve(c: Config): Resolved {
  const pruner = getPruner(c.pruner);
  return { pruner, options: pruner.parseOptions(c.options), countStates: c.countStates };
}

/** From early values that predict the final ranking well to curves that cross a lot. */
export const WORLDS: World[] = [
  { name: 'predictive', coupling: 0.8, tradeoff: 0.03, minRate: 0.02, maxRate: 0.2 },
  { name: 'mixed', coupling: 0.5, tradeoff: 0.03, minRate: 0.02, maxRate: 0.2 },
  { name: 'crossing', coupling: 0, tradeoff: 0.15, minRate: 0.02, maxRate: 0.2 },
];

export const CONFIGS: Config[] = [
  { pruner: 'none', options: {} },
  { pruner: 'median', options: {} },
  { pruner: 'median', options: {}, countStates: ['completed'] },
  { pruner: 'median', options: { bestSoFar: true } },
  { pruner: 'median', options: { warmupSteps: 10, intervalSteps: 10 } },
  { pruner: 'asha', options: {} },
  { pruner: 'asha', options: { minResource: 10, maxResource: MAX_STEPS } },
];

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spearman rank correlation of the runs' true values at `early` and at the last step. */
export function earlyFinalRankCorrelation(world: World, seeds: number[], early: number): number {
  const rhos = seeds.map((seed) => {
    const specs = Array.from({ length: RUNS }, (_, i) => curveOf(seed, i, world));
    return spearman(specs.map((c) => trueValue(c, early)), specs.map((c) => trueValue(c, MAX_STEPS)));
  });
  return medianOf(rhos);
}

function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = Array<number>(xs.length);
  order.forEach(([, i], k) => (r[i] = k));
  return r;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a), rb = ranks(b);
  const n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** One row's numbers: medians over seeds, compared with `none` on the same seeds. */
export function measure(c: Config, world: World, seeds: number[], workers: number) {
  const none = resolve({ pruner: 'none', options: {} });
  const base = seeds.map((seed) => tune(none, world, seed, workers));
  const res = seeds.map((seed) => tune(resolve(c), world, seed, workers));
  const gaps = res.map((r, k) => r.bestFinal - base[k].bestFinal);
  return {
    steps: medianOf(res.map((r) => r.steps)),
    pct: medianOf(res.map((r, k) => (100 * r.steps) / base[k].steps)),
    bestFinal: medianOf(res.map((r) => r.bestFinal)),
    medianGap: medianOf(gaps),
    worstGap: Math.max(...gaps),
    same: gaps.filter((g) => g <= NOISE_SD).length,
    kept: res.filter((r, k) => r.bestRun === base[k].bestRun).length,
  };
}

function label(c: Config): string {
  const keys = Object.keys(c.options);
  const o = keys.length ? keys.map((k) => `${k}=${c.options[k]}`).join(', ') : 'defaults';
  return c.countStates ? `${o}; only ${c.countStates.join('/')} runs count (Optuna)` : o;
}

export async function run(opts: BenchOptions): Promise<string> {
  const seeds = seedList(opts, opts.seeds ?? (opts.quick ? 3 : 10));
  const n = seeds.length;
  const lines = [
    `## pruners`,
    '',
    `Synthetic learning curves (minimize): value(step) = a + (start − a)·e^(−rate·step) + N(0, ${NOISE_SD}²), ` +
      `${RUNS} runs of up to ${MAX_STEPS} steps per seed; params and step times (0.5–1.5 s per step) from a seeded Rng. ` +
      `Every pruner replays the same runs in the same order as \`none\`. "best" is the known (noise-free) value at ` +
      `step ${MAX_STEPS} of the best completed run; "gap" is that minus \`none\`'s best on the same seed ` +
      `(median / worst); "same best" counts seeds where the gap is within one noise sd (${NOISE_SD}), "kept" seeds ` +
      `where the pruner completed the very run \`none\` found best. Medians over ${n} seeds. ` +
      `ρ is the rank correlation between the values at step 10 and at step ${MAX_STEPS}.`,
  ];
  for (const world of WORLDS) {
    const rho = earlyFinalRankCorrelation(world, seeds, 10);
    lines.push(
      '',
      `### ${world.name} (ρ = ${rho.toFixed(2)}): rate log-uniform in [${world.minRate}, ${world.maxRate}], ` +
        `speed ${world.coupling * 100} % tied to quality, fastest learners settle ${world.tradeoff} higher`,
      '',
      '| pruner | options | workers | steps | % of none | best | gap | same best | kept |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const workers of [1, 4, 16]) {
      for (const c of CONFIGS) {
        const m = measure(c, world, seeds, workers);
        lines.push(
          `| ${c.pruner} | ${label(c)} | ${workers} | ${m.steps} | ${m.pct.toFixed(1)} % | ${m.bestFinal.toFixed(4)} | ` +
            `${m.medianGap.toFixed(4)} / ${m.worstGap.toFixed(4)} | ${m.same}/${n} | ${m.kept}/${n} |`,
        );
      }
    }
  }
  return lines.join('\n');
}
