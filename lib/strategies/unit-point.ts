/** A point of [0, 1)^d → params, through the shared transform (one coordinate per param). */
import type { Params, Space } from '../domain/types';
import { dimsOf, fromUnit } from '../space/transform';

/** Numeric params via `fromUnit`; a categorical takes choice floor(u · count). */
export function paramsFromUnitPoint(space: Space, u: readonly number[]): Params {
  const params: Params = {};
  dimsOf(space).forEach((dim, i) => {
    params[dim.name] = dim.kind === 'numeric' ? fromUnit(dim, u[i]) : dim.choices[Math.min(dim.count - 1, Math.floor(u[i] * dim.count))];
  });
  return params;
}
