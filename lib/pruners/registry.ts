/** Pruners by name; names the API knows but this build lacks answer 400 PrunerNotAvailable. */
import { TunerError } from '../errors';
import { ashaPruner } from './asha';
import { medianPruner } from './median';
import { nonePruner } from './none';
import type { Pruner } from './pruner';

export const PRUNER_NAMES = ['none', 'median', 'asha'] as const;
export const DEFAULT_PRUNER = 'none';

const registry = new Map<string, Pruner<any>>();
export function registerPruner(p: Pruner<any>): void {
  registry.set(p.name, p);
}
registerPruner(nonePruner);
registerPruner(medianPruner);
registerPruner(ashaPruner);

export function getPruner(name: string): Pruner<any> {
  const p = registry.get(name);
  if (p) return p;
  const known = (PRUNER_NAMES as readonly string[]).includes(name);
  throw new TunerError(
    'PrunerNotAvailable',
    400,
    known
      ? `pruner.name: "${name}" is not available in this build yet (available: ${[...registry.keys()].join(', ')})`
      : `pruner.name: unknown pruner "${name}" (one of: ${PRUNER_NAMES.join(', ')})`,
  );
}
