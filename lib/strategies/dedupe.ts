/**
 * No exact duplicates in all-discrete spaces: while unseen points remain, a proposal must differ from
 * every run so far in any state (completed, running, failed, pruned, timed out: re-running a failed
 * point is the job of `retryFailed`, not of the strategy). Spaces with a continuous param cannot
 * repeat a point in practice and are left alone.
 */
import type { Params, Space, Trial } from '../domain/types';
import type { Rng } from '../random';
import { discreteAxis, dimsOf, gridPointAt, paramsKey, spaceSize, valueAt, type Dim } from '../space/transform';

/** Keys of every point already handed out, or undefined when the space is continuous or exhausted. */
export function usedKeysIfDiscrete(space: Space, history: readonly Trial[]): Set<string> | undefined {
  const size = spaceSize(space);
  if (!Number.isFinite(size)) return undefined;
  const used = new Set(history.map((t) => paramsKey(space, t.params)));
  return used.size >= size ? undefined : used;
}

const ENUMERATE_LIMIT = 200_000;
const RANDOM_TRIES = 2_000;

/** A uniformly drawn point: each param's value drawn by its index, so no axis is ever listed (an int may have 2^53 values). */
function drawPoint(space: Space, dims: readonly Dim[], rng: Rng): Params {
  const params: Params = {};
  dims.forEach((d, i) => {
    const k = rng.int(d.count);
    params[space[i].name] = d.kind === 'categorical' ? d.choices[k] : valueAt(d, k);
  });
  return params;
}

/**
 * `preferred` if it is new; otherwise an unseen point drawn uniformly (by rejection, then, in spaces
 * small enough to list, by enumerating the unseen points).
 */
export function unseenOr(space: Space, used: Set<string> | undefined, preferred: Params, rng: Rng): Params {
  if (!used || !used.has(paramsKey(space, preferred))) return preferred;
  const dims = dimsOf(space);
  for (let t = 0; t < RANDOM_TRIES; t++) {
    const p = drawPoint(space, dims, rng);
    if (!used.has(paramsKey(space, p))) return p;
  }
  if (spaceSize(space) <= ENUMERATE_LIMIT) {
    const axes = dims.map(discreteAxis);
    const size = axes.reduce((n, a) => n * a.length, 1);
    const unseen: number[] = [];
    for (let i = 0; i < size; i++) if (!used.has(paramsKey(space, gridPointAt(space, axes, i)))) unseen.push(i);
    if (unseen.length) return gridPointAt(space, axes, unseen[rng.int(unseen.length)]);
  }
  // A huge space nearly full: practically unreachable (needs > 2000 failed uniform draws).
  return preferred;
}
