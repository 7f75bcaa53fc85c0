/** Runs a strategy the way the ask use case does (rng from (seed, run number)), one run at a time. */
import type { Trial } from '../../lib/domain/types';
import { createRng, mixSeed } from '../../lib/random';
import { getStrategy } from '../../lib/strategies/registry';
import type { BenchFunction } from './functions';

export interface StrategyUnderTest {
  label: string;
  name: string;
  options?: Record<string, unknown>;
}

/** Best-so-far regret after each run. */
export function regretCurve(fn: BenchFunction, s: StrategyUnderTest, seed: number, budget: number): number[] {
  const strategy = getStrategy(s.name);
  const options = strategy.parseOptions(s.options ?? {}, fn.space);
  const history: Trial[] = [];
  const curve: number[] = [];
  let best = Infinity;
  for (let number = 0; number < budget; number++) {
    const params = strategy.propose({ space: fn.space, history, direction: 'minimize', rng: createRng(mixSeed(seed, number)), options, number, seed });
    const value = fn.f(params);
    history.push({ number, params, state: 'completed', value });
    best = Math.min(best, value);
    curve.push(Math.max(0, best - fn.fMin));
  }
  return curve;
}
