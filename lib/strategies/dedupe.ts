/**
 * No exact duplicates in all-discrete spaces: while unseen points remain, a proposal must differ from
 * every run so far in any state (completed, running, failed, pruned, timed out: re-running a failed
 * point is the job of `retryFailed`, not of the strategy). Spaces with a continuous param cannot
 * repeat a point in practice and are left alone.
 */
import type { Params, Space, Trial } from '../domain/types';
import type { Rng } from '../random';
import { dimValues, dimsOf, gridPointAt, paramsKey, spaceSize } from '../space/transform';

/** Keys of every point already handed out, or undefined when the space is continuous or exhausted. */
export function usedKeysIfDiscrete(space: Space, history: readonly Trial[]): Set<string> | undefined {
  const size = spaceSize(space);
  if (!Number.isFinite(size)) return undefined;
  const used = new Set(history.map((t) => paramsKey(space, t.params)));
  return used.size >= size ? undefined : used;
}

const ENUMERATE_LIMIT = 200_000;
const RANDOM_TRIES = 2_000;

/**
 * `preferred` if it is new; otherwise an unseen point drawn uniformly (by rejection, then by
 * enumerating the unseen points of spaces small enough to list).
 */
export function unseenOr(space: Space, used: Set<string> | undefined, preferred: Params, rng: Rng): Params {
  if (!used || !used.has(paramsKey(space, preferred))) return preferred;
  const axes = dimsOf(space).map((d) => dimValues(d));
  const size = axes.reduce((n, a) => n * a.length, 1);
  const pointAt = (index: number): Params => gridPointAt(space, axes, index);
  for (let t = 0; t < RANDOM_TRIES; t++) {
    const p = pointAt(Math.floor(rng.next() * size));
    if (!used.has(paramsKey(space, p))) return p;
  }
  if (size <= ENUMERATE_LIMIT) {
    const unseen: number[] = [];
    for (let i = 0; i < size; i++) if (!used.has(paramsKey(space, pointAt(i)))) unseen.push(i);
    if (unseen.length) return pointAt(unseen[rng.int(unseen.length)]);
  }
  // A huge space nearly full: practically unreachable (needs > 2000 failed uniform draws).
  return preferred;
}
