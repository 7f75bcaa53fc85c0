/**
 * TPE options, validated and filled in when a study is created (the stored study says exactly what
 * runs). Why each default is what it is: docs/strategies.md.
 */
import { z } from 'zod';
import { intIn, parseWith } from '../options';

export interface TpeOptions {
  /** Completed runs (not counting failures) before the model is used; until then runs get qmc points. */
  nStartup: number;
  /** Fraction of completed runs that form the "good" group: nGood = min(ceil(gamma · n), maxGood). */
  gamma: number;
  /** Good runs weigh (1 − rank / (nGood + 1))^rankWeightPower in l(x); 0 = all equal. */
  rankWeightPower: number;
  /** Cap on the good group, so late in a long study l(x) stays a sharp model of the best region. */
  maxGood: number;
  /** Candidates drawn from l(x) per proposal; the one with the best l(x)/g(x) wins. */
  nCandidates: number;
  /**
   * Joint kernels over all params (true), one independent 1-D model per param (false), or 'auto': joint
   * kernels, except every `independentEvery`-th run (by run number), which gets independent models.
   */
  multivariate: boolean | 'auto';
  /** With multivariate 'auto': every how many runs one gets independent 1-D models (the rest joint kernels). */
  independentEvery: number;
  /** Kernel width rule for numeric params (see tpe/parzen.ts); 'auto': scott for joint, neighbor for 1-D models. */
  bandwidth: 'auto' | 'scott' | 'optuna' | 'neighbor';
  /** Smallest kernel width, as a fraction of a param's range (unit scale). */
  minBandwidth: number;
  /** Widths at least 1 / min(100, n + 1) of the range (Bergstra et al.'s "magic clip"). */
  magicClip: boolean;
  /** Weight of the broad prior component in each estimator, relative to one observation. */
  priorWeight: number;
  /** Running runs count as bad observations (constant liar), so parallel asks spread out. */
  constantLiar: boolean;
}

export const TPE_DEFAULTS = {
  nStartup: 10,
  gamma: 0.2,
  rankWeightPower: 3,
  maxGood: 25,
  nCandidates: 24,
  multivariate: 'auto',
  independentEvery: 4,
  bandwidth: 'auto',
  minBandwidth: 0.01,
  magicClip: true,
  priorWeight: 1,
  constantLiar: true,
} as const;

const schema = z.strictObject({
  nStartup: intIn(0, 10_000).default(TPE_DEFAULTS.nStartup),
  gamma: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(TPE_DEFAULTS.gamma),
  rankWeightPower: z.number().min(0, 'must be >= 0').max(20, 'must be <= 20').default(TPE_DEFAULTS.rankWeightPower),
  maxGood: intIn(1, 10_000).default(TPE_DEFAULTS.maxGood),
  nCandidates: intIn(1, 1_000).default(TPE_DEFAULTS.nCandidates),
  multivariate: z.union([z.boolean(), z.literal('auto')], { error: 'must be true, false or "auto"' }).default(TPE_DEFAULTS.multivariate),
  independentEvery: intIn(2, 1_000).default(TPE_DEFAULTS.independentEvery),
  bandwidth: z.enum(['auto', 'scott', 'optuna', 'neighbor'], { error: 'must be one of "auto", "scott", "optuna", "neighbor"' }).default(TPE_DEFAULTS.bandwidth),
  minBandwidth: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(TPE_DEFAULTS.minBandwidth),
  magicClip: z.boolean({ error: 'must be true or false' }).default(TPE_DEFAULTS.magicClip),
  priorWeight: z.number().min(0, 'must be >= 0').max(1000, 'must be <= 1000').default(TPE_DEFAULTS.priorWeight),
  constantLiar: z.boolean({ error: 'must be true or false' }).default(TPE_DEFAULTS.constantLiar),
});

/** Validates raw `strategy` options (paths like `strategy.gamma`) and fills in every default. */
export function parseTpeOptions(raw: unknown, prefix = 'strategy'): TpeOptions {
  return parseWith(schema, raw ?? {}, prefix);
}
