/**
 * What every search strategy is: a pure function of the study's history. Strategies are rebuilt from
 * the full history on every ask (stateless, as in OSS Vizier's designers), own no RNG (it is passed in)
 * and do no I/O, so they can be unit-tested and benchmarked without AWS.
 */
import type { Direction, Params, Space, Trial } from '../domain/types';
import type { Rng } from '../random';

export interface ProposeInput<O = Record<string, unknown>> {
  space: Space;
  /**
   * Every run so far, in run-number order, in any state (running runs are "pending"), after the
   * study's warm-start priors, which are numbered below 0.
   */
  history: readonly Trial[];
  direction: Direction;
  /** Seeded from (study seed, run number): same seed + same history → same proposal. */
  rng: Rng;
  /** Options as returned by `parseOptions` when the study was created. */
  options: O;
  /** The number the proposed run will get. */
  number: number;
  /**
   * The study's seed, for strategies that need one fixed study-wide sequence (a scrambled Sobol
   * sequence, a grid order). Per-proposal randomness comes from `rng`.
   */
  seed: number;
}

export interface Strategy<O = Record<string, unknown>> {
  readonly name: string;
  /**
   * Validates and normalizes the study's strategy options (everything in `strategy` but `name` and
   * `seed`), filling in defaults so the stored study says exactly what runs. Throws `ValidationError`
   * with paths like `strategy.gamma`.
   */
  parseOptions(raw: Record<string, unknown>, space: Space): O;
  /** The next params. May throw `ConflictError('StudyExhausted')` when nothing is left to propose. */
  propose(input: ProposeInput<O>): Params;
}
