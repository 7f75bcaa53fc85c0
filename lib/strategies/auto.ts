/**
 * `auto`, the default strategy: picks a strategy from the space and budget by a documented rule.
 * Until the adaptive strategies land it means random search.
 */
import { randomStrategy } from './random';
import type { Strategy } from './strategy';

export const autoStrategy: Strategy<Record<string, never>> = {
  name: 'auto',
  parseOptions: (raw, space) => randomStrategy.parseOptions(raw, space),
  propose: (input) => randomStrategy.propose(input),
};
