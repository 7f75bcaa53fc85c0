import { createRng } from '../../lib/random';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function geometricMean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** Compact number for tables: 3 significant digits, exponent form when tiny or huge. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : x.toPrecision(3);
}

/**
 * 90 % percentile-bootstrap interval of median(a) / median(b), resampling each side's seeds with
 * replacement (fixed RNG seed, so the printed interval is reproducible). Both medians zero count as 1.
 */
export function bootstrapMedianRatio(a: readonly number[], b: readonly number[], reps = 2000): [number, number] {
  const rng = createRng(20261124);
  const pick = (xs: readonly number[]) => xs.map(() => xs[rng.int(xs.length)]);
  const ratios: number[] = [];
  for (let r = 0; r < reps; r++) ratios.push(medianRatio(pick(a), pick(b)));
  ratios.sort((x, y) => x - y);
  return [ratios[Math.floor(0.05 * (reps - 1))], ratios[Math.ceil(0.95 * (reps - 1))]];
}

/** median(a) / median(b); both zero (both found the optimum) is 1, and a floor avoids dividing by an exact 0. */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const ma = median(a);
  const mb = median(b);
  return ma === mb ? 1 : Math.max(ma, 1e-12) / Math.max(mb, 1e-12);
}
