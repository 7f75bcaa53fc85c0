/**
 * Strategies by name. A new strategy is one file plus one line here. Names the API accepts but this
 * build does not implement answer 400 StrategyNotAvailable instead of silently meaning something else.
 */
import { TunerError } from '../errors';
import { autoStrategy } from './auto';
import { gridStrategy } from './grid';
import { qmcStrategy } from './qmc';
import { randomStrategy } from './random';
import type { Strategy } from './strategy';
import { tpeStrategy } from './tpe/index';

/** Every name the API contract knows. */
export const STRATEGY_NAMES = ['auto', 'random', 'grid', 'qmc', 'tpe', 'gp', 'cmaes'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** The strategy a study gets when it names none. */
export const DEFAULT_STRATEGY: StrategyName = 'auto';

const registry = new Map<string, Strategy<any>>();

export function registerStrategy(strategy: Strategy<any>): void {
  registry.set(strategy.name, strategy);
}

registerStrategy(randomStrategy);
registerStrategy(gridStrategy);
registerStrategy(autoStrategy);
registerStrategy(qmcStrategy);
registerStrategy(tpeStrategy);

export function getStrategy(name: string): Strategy<any> {
  const s = registry.get(name);
  if (s) return s;
  if ((STRATEGY_NAMES as readonly string[]).includes(name)) {
    throw new TunerError('StrategyNotAvailable', 400, `strategy.name: "${name}" is not available in this build yet (available: ${availableStrategies().join(', ')})`);
  }
  throw new TunerError('StrategyNotAvailable', 400, `strategy.name: unknown strategy "${name}" (one of: ${STRATEGY_NAMES.join(', ')})`);
}

export function availableStrategies(): string[] {
  return [...registry.keys()];
}
