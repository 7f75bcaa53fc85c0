/**
 * From history to the two groups TPE models, in unit-cube coordinates (direction already folded in):
 * - completed runs (and warm-start priors) are ranked by value; the best nGood form l(x), the rest g(x);
 * - pruned runs go to g(x): they were stopped for looking worse than their peers at the same step;
 * - running runs go to g(x) when `constantLiar` is on: pretending a pending point is bad steers the
 *   next proposals away from it, so parallel workers do not all get the same point;
 * - failed and timed-out runs say nothing about the objective and are left out of the model (they still
 *   count as used points for the no-duplicates rule).
 */
import { toMinimized, type Direction, type Space, type Trial } from '../../domain/types';
import { choiceIndex, dimsOf, toUnit } from '../../space/transform';

export interface Split {
  good: number[][];
  bad: number[][];
  /** Completed runs with a finite value (what nStartup counts). */
  nCompleted: number;
}

/** A trial's params as model coordinates: unit value per numeric dim, choice index per categorical. */
export function toModelPoint(space: Space, params: Trial['params']): number[] | undefined {
  const out: number[] = [];
  for (const dim of dimsOf(space)) {
    const v = params[dim.name];
    if (dim.kind === 'categorical') {
      const k = choiceIndex(dim, v);
      if (k < 0) return undefined;
      out.push(k);
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      const u = toUnit(dim, v);
      // NaN (a log param's value <= 0, which validation refuses anyway) would poison the kernel widths.
      if (Number.isNaN(u)) return undefined;
      out.push(u < 0 ? 0 : u > 1 ? 1 : u);
    }
  }
  return out;
}

export function nGoodFor(n: number, gamma: number, maxGood: number): number {
  return Math.min(Math.ceil(gamma * n), maxGood, n);
}

export function splitHistory(
  space: Space,
  history: readonly Trial[],
  direction: Direction,
  opts: { gamma: number; maxGood: number; constantLiar: boolean },
): Split {
  const completed: { loss: number; number: number; x: number[] }[] = [];
  const bad: number[][] = [];
  for (const t of history) {
    const x = toModelPoint(space, t.params);
    if (!x) continue;
    if (t.state === 'completed' && typeof t.value === 'number' && Number.isFinite(t.value)) {
      completed.push({ loss: toMinimized(t.value, direction), number: t.number, x });
    } else if (t.state === 'pruned' || (t.state === 'running' && opts.constantLiar)) {
      bad.push(x);
    }
  }
  completed.sort((a, b) => a.loss - b.loss || a.number - b.number);
  const nGood = nGoodFor(completed.length, opts.gamma, opts.maxGood);
  return {
    good: completed.slice(0, nGood).map((c) => c.x),
    bad: [...completed.slice(nGood).map((c) => c.x), ...bad],
    nCompleted: completed.length,
  };
}
