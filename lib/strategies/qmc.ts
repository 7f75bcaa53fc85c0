/**
 * `qmc`: scrambled Sobol points (see qmc/sobol.ts), one per run, seeded by the study seed. Run `number`
 * gets point `number`, so concurrent asks (which differ by run number) get different, well-spread
 * points, and every adaptive strategy starts with the same points. Ints, steps, log scales and
 * categoricals go through the shared transform.
 */
import { z } from 'zod';
import type { Params, Space, Trial } from '../domain/types';
import type { Rng } from '../random';
import { paramsKey } from '../space/transform';
import { unseenOr, usedKeysIfDiscrete } from './dedupe';
import { parseWith } from './options';
import { scrambledSobolPoint } from './qmc/sobol';
import type { Strategy } from './strategy';
import { paramsFromUnitPoint } from './unit-point';

/** The qmc point of run `number`, moved to an unseen point if it repeats one (discrete spaces). */
export function qmcProposal(space: Space, history: readonly Trial[], seed: number, number: number, rng: Rng): Params {
  const used = usedKeysIfDiscrete(space, history);
  const at = (k: number) => paramsFromUnitPoint(space, scrambledSobolPoint(seed, Math.max(0, number) + k * 0x10000, space.length));
  const first = at(0);
  if (!used || !used.has(paramsKey(space, first))) return first;
  // Small discrete spaces repeat points: try a few later sequence points before a random unseen one.
  for (let k = 1; k < 8; k++) {
    const p = at(k);
    if (!used.has(paramsKey(space, p))) return p;
  }
  return unseenOr(space, used, first, rng);
}

export const qmcStrategy: Strategy<Record<string, never>> = {
  name: 'qmc',
  parseOptions: (raw) => parseWith(z.strictObject({}), raw, 'strategy') as Record<string, never>,
  propose: ({ space, history, seed, number, rng }) => qmcProposal(space, history, seed, number, rng),
};
