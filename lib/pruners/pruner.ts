/**
 * What every pruner is: a pure decision, made on the spot when a run reports an intermediate value.
 * The report use case loads exactly the data the pruner asks for (`stepsToLoad`), then calls `decide`.
 */
import type { Direction, RunState } from '../domain/types';

export interface StepValue {
  number: number;
  value: number;
  /**
   * The run's state, when the caller knows it. The service does not fill it: every built-in pruner
   * counts a value reported at a step whatever became of its run, so reading states would cost a query
   * of the whole history on every report for nothing.
   */
  state?: RunState;
}

export interface PruneInput<O = Record<string, unknown>> {
  direction: Direction;
  options: O;
  /** The run that just reported. `curve` holds all its values so far, this report included. */
  run: { number: number; step: number; value: number; curve: ReadonlyMap<number, number> };
  /** Values other runs reported at each step returned by `stepsToLoad` (this run excluded). */
  others: ReadonlyMap<number, readonly StepValue[]>;
  /** How many runs of the study have finished (completed or pruned), counted up to `startupRuns(options)`. */
  finishedRuns: number;
}

export interface PruneDecision {
  prune: boolean;
  /** Why, in a sentence a user can read in the run's record and the RunPruned event. */
  reason?: string;
}

export interface Pruner<O = Record<string, unknown>> {
  readonly name: string;
  /** Validates and fills in defaults; throws ValidationError with paths like `pruner.warmupSteps`. */
  parseOptions(raw: Record<string, unknown>): O;
  /**
   * How many finished runs (completed or pruned) `decide` needs to know of at most: the service counts
   * the study's finished runs up to this number and passes the count as `finishedRuns` (0: none needed).
   */
  startupRuns(options: O): number;
  /**
   * The steps whose values of other runs `decide` needs for this report. Empty when this report cannot
   * be pruned whatever the others did (a step the pruner does not decide at); without `finishedRuns`,
   * it answers as if the startup threshold were reached.
   */
  stepsToLoad(input: { step: number; options: O; curve: ReadonlyMap<number, number>; finishedRuns?: number }): number[];
  decide(input: PruneInput<O>): PruneDecision;
}
