/**
 * `auto`, the default strategy. The rule (also in docs/strategies.md):
 *   1. until 10 runs have completed (TPE's nStartup): scrambled Sobol points (`qmc`), one per run number;
 *   2. then TPE with its defaults (tpe/options.ts): joint kernels, every fourth run independent per-param
 *      models, pending runs as constant liars;
 *   3. in all-discrete spaces, never a point already handed out while unseen points remain.
 * The budget does not change the rule yet (strategies do not see maxRuns). The GP/CMA-ES
 * issue extends this (GP for small continuous budgets, CMA-ES for long continuous runs).
 */
import { z } from 'zod';
import { parseWith } from './options';
import type { Strategy } from './strategy';
import { parseTpeOptions } from './tpe/options';
import { proposeTpe } from './tpe/sampler';

const AUTO_TPE = parseTpeOptions({});

export const autoStrategy: Strategy<Record<string, never>> = {
  name: 'auto',
  parseOptions: (raw) => parseWith(z.strictObject({}), raw, 'strategy') as Record<string, never>,
  propose: (input) => proposeTpe({ ...input, options: AUTO_TPE }),
};
