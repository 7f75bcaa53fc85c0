/**
 * The targets issue 4 sets for TPE (judged from the bench, never from tests), checked against the
 * numbers a bench run just measured and printed as a short met / not met table under each suite, so
 * nobody has to re-derive them from the big tables by hand.
 */
import { fmt, geometricMean } from './stats';

export interface TargetCheck {
  target: string;
  met: boolean;
  measured: string;
}

/** One function's ratios at the judged budget. */
export interface RegretRow {
  fn: string;
  /** median(tpe) / median(Optuna TPE); undefined when Optuna did not run. */
  tpeVsOptuna?: number;
  /** Its 90 % bootstrap interval, when the run had seeds enough for one. */
  tpeVsOptunaInterval?: [number, number];
  /** median(auto) / median(tpe), at every budget the suite reports. */
  autoVsTpe: number[];
}

const list = (rows: readonly RegretRow[], ratio: (r: RegretRow) => number) => rows.map((r) => `${r.fn} ${fmt(ratio(r))}`).join(', ');

/**
 * A miss of the every-function target, with what it takes to tell a real loss from seed noise: its
 * interval and whether that contains 1, or, on a run without intervals, how to get one.
 */
function describeMisses(above: readonly RegretRow[], nSeeds: number): string {
  const parts = above.map((r) => {
    const ratio = `${r.fn} ${fmt(r.tpeVsOptuna as number)}`;
    if (!r.tpeVsOptunaInterval) return ratio;
    const [lo, hi] = r.tpeVsOptunaInterval;
    return `${ratio} (90 % interval ${fmt(lo)}–${fmt(hi)}, ${lo <= 1 ? 'contains 1' : 'above 1'})`;
  });
  const hint = above.some((r) => !r.tpeVsOptunaInterval) ? ` (${nSeeds} seeds, no interval: \`--seeds=50\` gives one)` : '';
  return `above 1: ${parts.join(', ')}${hint}`;
}

/** The Optuna targets are checked only when every row has its Optuna ratio (and so a geometric mean exists). */
export function regretTargets(rows: readonly RegretRow[], budget: number, nSeeds = 10): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const vsOptuna = rows.map((r) => r.tpeVsOptuna);
  if (vsOptuna.every((x) => x !== undefined)) {
    const ratios = vsOptuna as number[];
    const above = rows.filter((r) => (r.tpeVsOptuna as number) > 1);
    const gm = geometricMean(ratios);
    checks.push(
      {
        target: `\`tpe\` median regret ≤ Optuna TPE's on every function at ${budget} runs`,
        met: above.length === 0,
        measured: above.length === 0 ? `all ≤ 1 (largest ${fmt(Math.max(...ratios))})` : describeMisses(above, nSeeds),
      },
      { target: `geometric mean of tpe / Optuna TPE ≤ 0.8 at ${budget} runs`, met: gm <= 0.8, measured: fmt(gm) },
    );
  }
  const autoWorse = rows.filter((r) => r.autoVsTpe.some((x) => x > 1));
  checks.push({
    target: '`auto` at least as good as `tpe` (median ratio ≤ 1 on every function and budget)',
    met: autoWorse.length === 0,
    measured: autoWorse.length === 0 ? 'yes' : `worse on: ${list(autoWorse, (r) => Math.max(...r.autoVsTpe))}`,
  });
  return checks;
}

/** Propose time with 1000 completed runs × 10 params, ours and (when measured) Optuna's ask. */
export function speedTargets(oursMs: number, optunaMs: number | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [{ target: 'propose at 1000 runs × 10 params ≤ 20 ms (median)', met: oursMs <= 20, measured: `${fmt(oursMs)} ms` }];
  if (optunaMs !== undefined) {
    const speedup = optunaMs / oursMs;
    checks.push({ target: '≥ 10× faster than Optuna’s ask, same run', met: speedup >= 10, measured: `${fmt(speedup)}×` });
  }
  return checks;
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return ['| target (issue 4) | met | measured |', '|---|---|---|', ...checks.map((c) => `| ${c.target} | ${c.met ? 'yes' : '**no**'} | ${c.measured} |`)].join('\n');
}
