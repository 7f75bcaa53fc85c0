/** Plain domain types shared by every layer. No I/O, no AWS. */

export type Direction = 'minimize' | 'maximize';

/** Every state a run can be in; study responses count runs by these names. */
export const RUN_STATES = ['running', 'completed', 'failed', 'pruned', 'timed_out'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States from which a run never moves again except by a late report being recorded. */
export const FINISHED_STATES: readonly RunState[] = ['completed', 'failed', 'pruned', 'timed_out'];

/**
 * Numbers must fit DynamoDB's number type: 0, or a magnitude from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125. JSON allows more (1e-200 parses fine), so every number
 * a client sends is checked against this range. A double is written as its shortest decimal form
 * (lib/store/clients.ts), so the doubles that fit are 0 and those of magnitude from 1e-130 (whose
 * form is "1e-130") to MAX_MAGNITUDE, the largest double below 1e126: the double nearest 1e126 is
 * a little below 10^126, but its form "1e+126" is not.
 */
export const MIN_MAGNITUDE = 1e-130;
export const MAX_MAGNITUDE = 9.999999999999998e125;
export function isStorableNumber(x: number): boolean {
  if (!Number.isFinite(x)) return false;
  const m = Math.abs(x);
  return m === 0 || (m >= MIN_MAGNITUDE && m <= MAX_MAGNITUDE);
}
export const STORABLE_MESSAGE = 'must be 0 or have a magnitude from 1e-130 up to, not including, 1e126 (the range numbers are stored in)';

/** The largest step a metric may carry (storage keys pad steps to 16 digits). */
export const MAX_STEP = 1e15;

export type ParamValue = number | string | boolean;
/** One run's hyper-parameters, keyed by parameter name, in the space's order. */
export type Params = Record<string, ParamValue>;

export type ParamSpec =
  | { type: 'float'; low: number; high: number; log?: boolean; step?: number }
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number }
  | { type: 'categorical'; choices: ParamValue[] };

/** A parameter with its name; a space is an ordered list of them (order fixes reproducibility). */
export type ParamDef = ParamSpec & { name: string };
export type Space = readonly ParamDef[];

export type StudyState = 'active' | 'stopped';

export interface StrategyConfig {
  name: string;
  /** Always set once the study exists: a random seed is drawn and stored when none is given. */
  seed: number;
  options: Record<string, unknown>;
}

export interface PrunerConfig {
  name: string;
  options: Record<string, unknown>;
}

export interface Study {
  studyId: string;
  name: string;
  direction: Direction;
  space: Space;
  strategy: StrategyConfig;
  pruner: PrunerConfig;
  maxRuns?: number;
  metricTimeoutSeconds: number;
  retryFailed: number;
  state: StudyState;
  createdAt: string;
  updatedAt: string;
}

export interface Run {
  studyId: string;
  runId: string;
  /** Dense, 0-based, unique within the study: the order runs were proposed in. */
  number: number;
  params: Params;
  state: RunState;
  /** Final value (completed), or the last reported value (pruned). */
  value?: number;
  workerId?: string;
  failReason?: string;
  /** Last intermediate metric reported, if any. */
  lastStep?: number;
  lastValue?: number;
  /** Epoch milliseconds after which a silent run is timed out. */
  deadline?: number;
  /** Idempotency key of the ask that created it. */
  requestId?: string;
  /** Run number this run retries (same params), when it is a retry. */
  retryOf?: number;
  /** Sequence number of the enqueued params entry this run consumed. */
  queueSeq?: number;
  /** Where the params came from. */
  source?: 'strategy' | 'enqueued' | 'retry';
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
}

/** What strategies see of a run: enough to learn from, nothing about storage. */
export interface Trial {
  number: number;
  params: Params;
  state: RunState;
  /** Final value for completed runs; last reported value for pruned runs. */
  value?: number;
  /** Intermediate values by step, when known (pruned runs, learning curves). */
  intermediate?: ReadonlyMap<number, number>;
}

export interface BestRun {
  runId: string;
  number: number;
  params: Params;
  value: number;
}

/** Lower is better after this: strategies work in one direction and flip by sign. */
export function toMinimized(value: number, direction: Direction): number {
  return direction === 'maximize' ? -value : value;
}

export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'maximize' ? a > b : a < b;
}
