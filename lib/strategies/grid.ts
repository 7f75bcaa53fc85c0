/**
 * Grid search: every point of the grid is handed out exactly once, in a seeded order (so stopping early
 * still covers the space evenly), then the study is exhausted (409 StudyExhausted).
 *
 * A grid point counts as used once a run of the study has exactly its params, whatever the run's source
 * (strategy, enqueued, retry): runs at other points (enqueued off the grid) use up none, and warm-start
 * priors (trials numbered below 0) teach other strategies but use up no grid point.
 *
 * Exactly-once holds under concurrency because the ask use case only commits a proposal under the run
 * number it was computed for: a racing asker that loses the number re-proposes from the newer history.
 */
import { z } from 'zod';
import type { ParamValue, Params } from '../domain/types';
import { ConflictError, ValidationError } from '../errors';
import { discreteAxis, dimsOf, gridPointAt, paramsKey, type Dim, type GridAxis } from '../space/transform';
import { createRng, mixSeed } from '../random';
import { intIn, parseWith } from './options';
import type { Strategy } from './strategy';

export const MAX_GRID_POINTS = 10_000_000;

export interface GridOptions {
  /** Points per continuous float param (evenly spaced on its scale, bounds included). */
  gridPoints?: number | Record<string, number>;
}

const points = intIn(2, 10_000);
const optionsSchema = z.strictObject({
  gridPoints: z
    .union([points, z.record(z.string(), points)], { error: 'must be an integer from 2 to 10000, or an object of { paramName: integer from 2 to 10000 }' })
    .optional(),
});

/** Points of the grid along `dim`: every value of a discrete dim, `gridPoints` of a continuous one (0 when it has none). */
function axisLength(dim: Dim, gridPoints: GridOptions['gridPoints']): number {
  if (Number.isFinite(dim.count)) return dim.count;
  return (typeof gridPoints === 'number' ? gridPoints : gridPoints?.[dim.name]) ?? 0;
}

/** The `gridPoints` values of a continuous float, evenly spaced on its scale, bounds included. */
function continuousValues(dim: Dim, gridPoints: GridOptions['gridPoints']): number[] {
  const n = axisLength(dim, gridPoints);
  if (n === 0 || dim.kind !== 'numeric') return [];
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = k / (n - 1);
    const low = dim.log ? Math.log(dim.def.low) : dim.def.low;
    const high = dim.log ? Math.log(dim.def.high) : dim.def.high;
    const x = low + t * (high - low);
    out.push(k === n - 1 ? dim.def.high : k === 0 ? dim.def.low : dim.log ? Math.exp(x) : x);
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export const gridStrategy: Strategy<GridOptions> = {
  name: 'grid',
  parseOptions(raw, space) {
    const options = parseWith(optionsSchema, raw, 'strategy');
    const issues: { path: string; message: string }[] = [];
    let total = 1;
    for (const dim of dimsOf(space)) {
      // Counted, not listed: an int over a wide range has more values than an array can hold.
      const length = axisLength(dim, options.gridPoints);
      if (length === 0) {
        issues.push({
          path: `space.${dim.name}`,
          message: 'a grid needs a finite set of values: give this float a step, or set strategy.gridPoints',
        });
      }
      total *= Math.max(1, length);
    }
    if (typeof options.gridPoints === 'object') {
      for (const name of Object.keys(options.gridPoints)) {
        if (!space.some((d) => d.name === name)) issues.push({ path: `strategy.gridPoints.${name}`, message: 'is not a parameter of this study' });
      }
    }
    if (issues.length) throw new ValidationError(issues);
    if (total > MAX_GRID_POINTS) {
      throw new ValidationError(`the grid has ${total} points, more than the ${MAX_GRID_POINTS} a grid study allows`, 'strategy');
    }
    return options;
  },
  propose({ space, history, seed, options }) {
    const dims = dimsOf(space);
    // Only continuous floats' axes (gridPoints, at most 10,000 values) are listed; a discrete axis is
    // read by index, since listing a 10-million-value int on every ask took half a second.
    const listed = dims.map((d) => (Number.isFinite(d.count) ? undefined : continuousValues(d, options.gridPoints)));
    const axes: GridAxis[] = dims.map((d, i) => {
      const values = listed[i];
      return values ? { length: values.length, at: (k) => values[k] } : discreteAxis(d);
    });
    const total = axes.reduce((n, a) => n * a.length, 1);
    const pointAt = (index: number): Params => gridPointAt(space, axes, index);
    // Every run's params are points of the space, so only the axes of continuous floats (gridPoints)
    // leave values out; a discrete axis holds every value its param can take.
    const onAxes = listed.map((a) => (a ? new Set<ParamValue>(a) : undefined));
    const isGridPoint = (params: Params) => space.every((d, i) => onAxes[i]?.has(params[d.name]) ?? true);
    const used = new Set(history.filter((t) => t.number >= 0 && isGridPoint(t.params)).map((t) => paramsKey(space, t.params)));
    if (used.size >= total) throw new ConflictError('StudyExhausted', `all ${total} grid points have been handed out`);
    // A seeded affine permutation of the indices: i -> (a*i + b) mod total, with a coprime to total.
    // One order per study: drawn from the study seed, not the per-run rng.
    // Seeds run to 2^53 and createRng keeps 32 bits: mixed, larger seeds give orders of their own (seeds
    // that fit in 32 bits keep the order they always had).
    const rng = createRng(seed >>> 0 === seed ? seed : mixSeed(seed));
    let a = 1 + rng.int(Math.max(1, total - 1));
    while (gcd(a, total) !== 1) a = (a % total) + 1;
    const b = rng.int(total);
    for (let k = 0; k < total; k++) {
      const candidate = pointAt((a * k + b) % total);
      if (!used.has(paramsKey(space, candidate))) return candidate;
    }
    throw new ConflictError('StudyExhausted', `all ${total} grid points have been handed out`);
  },
};
