/**
 * What the pruners share: which of the other runs' values count, direction-aware comparison, and
 * numbers formatted for reasons a user reads.
 */
import type { Direction } from '../domain/types';
import type { StepValue } from './pruner';

/**
 * The values other runs reported at one step that a pruner compares against: every finite value,
 * whatever state its run is in now. A value reported at step s is a fact about step s; a run that was
 * later pruned, timed out or failed still reached s with that value. Counting running runs matters for
 * asynchronous parallel workers: early in a study most of the evidence is in runs still training, and
 * counting only completed runs (Optuna's MedianPruner) compares against survivors only.
 */
export function countedValues(values: readonly StepValue[] | undefined): number[] {
  if (!values) return [];
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v.value)) out.push(v.value);
  return out;
}

/** True when `a` is strictly worse than `b` for this direction (ties are not worse). */
export function isWorse(a: number, b: number, direction: Direction): boolean {
  return direction === 'maximize' ? a < b : a > b;
}

/** Sorted best first for this direction (a new array). */
export function bestFirst(values: readonly number[], direction: Direction): number[] {
  return [...values].sort(direction === 'maximize' ? (a, b) => b - a : (a, b) => a - b);
}

/** The best of some values for this direction. */
export function bestOf(values: Iterable<number>, direction: Direction): number {
  let best = direction === 'maximize' ? -Infinity : Infinity;
  for (const v of values) if (isWorse(best, v, direction)) best = v;
  return best;
}

/** Median with the midpoint of the two middle values for an even count (numpy's default). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * True when `step` is the run's newest step: a late report of an earlier step is recorded but not
 * judged, because the run has already shown later progress (Optuna judges a trial on its last step too).
 */
export function isNewestStep(step: number, curve: ReadonlyMap<number, number>): boolean {
  for (const s of curve.keys()) if (s > step) return false;
  return true;
}

/** The largest step the run reported before this one (-1 if none). */
export function previousStep(step: number, curve: ReadonlyMap<number, number>): number {
  let prev = -1;
  for (const s of curve.keys()) if (s !== step && s > prev) prev = s;
  return prev;
}

/** A number as a user reads it in a reason: 4 significant digits, no exponent for ordinary values. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

export function worseWord(direction: Direction): string {
  return direction === 'maximize' ? 'lower' : 'higher';
}
