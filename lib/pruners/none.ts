/** The `none` pruner: never prunes. */
import { z } from 'zod';
import { parseWith } from '../strategies/options';
import type { Pruner } from './pruner';

export const nonePruner: Pruner<Record<string, never>> = {
  name: 'none',
  parseOptions: (raw) => parseWith(z.strictObject({}), raw, 'pruner') as Record<string, never>,
  startupRuns: () => 0,
  stepsToLoad: () => [],
  decide: () => ({ prune: false }),
};
