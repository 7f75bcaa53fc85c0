/**
 * Regret suite: median (over seeds) best-so-far regret after 50 and 100 runs, per function and
 * strategy, ours and — when Debian's python3-optuna is installed — Optuna's samplers on the same
 * functions and seeds, with our/Optuna ratios and their geometric mean.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_FUNCTIONS } from '../lib/functions';
import type { BenchOptions } from '../lib/options';
import { optunaVersion, runOptunaSide } from '../lib/optuna';
import { regretCurve, type StrategyUnderTest } from '../lib/simulate';
import { fmt, geometricMean, median } from '../lib/stats';

export const name = 'regret';

const BUDGETS = [50, 100];

export const OURS: StrategyUnderTest[] = [
  { label: 'random', name: 'random' },
  { label: 'qmc', name: 'qmc' },
  { label: 'tpe', name: 'tpe' },
  { label: 'tpe multivariate', name: 'tpe', options: { multivariate: true } },
  { label: 'tpe univariate', name: 'tpe', options: { multivariate: false } },
  { label: 'auto', name: 'auto' },
];

export async function run(opts: BenchOptions): Promise<string> {
  const seeds = Array.from({ length: opts.quick ? 5 : 10 }, (_, i) => i + 1);
  const budget = Math.max(...BUDGETS);
  const version = optunaVersion();
  const dir = mkdtempSync(join(tmpdir(), 'bench-regret-'));
  const optunaOut = join(dir, 'optuna.json');
  // Optuna runs in its own process while ours run here: two cores, half the wall time.
  const optunaDone = version ? runOptunaSide(['regret', seeds.join(','), String(budget), optunaOut]).then(() => true, (e: Error) => e) : Promise.resolve(false);

  const ours: Record<string, Record<string, number[][]>> = {};
  for (const fn of BENCH_FUNCTIONS) {
    ours[fn.name] = {};
    for (const s of OURS) ours[fn.name][s.label] = seeds.map((seed) => regretCurve(fn, s, seed, budget));
  }
  const optunaResult = await optunaDone;
  let theirs: Record<string, Record<string, number[][]>> | undefined;
  let note = '';
  if (optunaResult === true) theirs = JSON.parse(readFileSync(optunaOut, 'utf8'));
  else if (optunaResult instanceof Error) note = `Optuna side failed: ${optunaResult.message}`;
  else note = 'Optuna not installed: skipped (apt-get install -y python3-optuna; run with /usr/bin/python3).';
  rmSync(dir, { recursive: true, force: true });

  const out: string[] = [`## Regret: median best-so-far regret over ${seeds.length} seeds (lower is better)`];
  out.push(
    `Seeds ${seeds[0]}..${seeds[seeds.length - 1]}; ours with default options (\`tpe\`: multivariate "auto", joint or independent kernels chosen on each ask by leave-one-out likelihood; \`tpe multivariate\` / \`tpe univariate\`: multivariate true / false). ` +
      (theirs ? `Optuna ${version}: TPESampler() default, TPESampler(multivariate=True), RandomSampler(), same seeds.` : note),
  );
  const theirLabels = theirs ? Object.keys(Object.values(theirs)[0]) : [];
  const labels = [...OURS.map((s) => s.label), ...theirLabels];
  const med = (curves: number[][], b: number) => median(curves.map((c) => c[b - 1]));
  for (const b of BUDGETS) {
    out.push(`### After ${b} runs`);
    const header = ['function', ...labels, ...(theirs ? ['tpe / optuna tpe', 'auto / optuna tpe'] : [])];
    out.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    const ratios: Record<string, number[]> = { tpe: [], auto: [] };
    for (const fn of BENCH_FUNCTIONS) {
      const cells = labels.map((l) => fmt(med((ours[fn.name][l] ?? theirs?.[fn.name][l]) as number[][], b)));
      const row = [fn.name, ...cells];
      if (theirs) {
        const ref = med(theirs[fn.name]['optuna tpe'], b);
        for (const k of ['tpe', 'auto']) {
          // Both zero means both found the optimum: ratio 1. Floor avoids dividing by an exact 0.
          const mine = med(ours[fn.name][k], b);
          const r = mine === ref ? 1 : Math.max(mine, 1e-12) / Math.max(ref, 1e-12);
          ratios[k].push(r);
          row.push(fmt(r));
        }
      }
      out.push(`| ${row.join(' | ')} |`);
    }
    if (theirs) {
      out.push(`| **geometric mean** | ${labels.map(() => '').join(' | ')} | **${fmt(geometricMean(ratios.tpe))}** | **${fmt(geometricMean(ratios.auto))}** |`);
    }
  }
  return out.join('\n\n').replace(/\|\n\n\|/g, '|\n|');
}
