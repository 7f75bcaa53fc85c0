/**
 * The storage port. Every write is a single conditional item write (no transactions: dynalite lacks
 * them), so each method is atomic on its own and the use cases order them so that a crash between two
 * calls never leaves a half-visible state.
 */
import type { BestRun, Direction, Params, Run, RunState, Study, StudyState } from '../domain/types';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** A study as stored: the study plus the counters and best run kept on its item. */
export interface StoredStudy extends Study {
  best?: BestRun;
  /**
   * Set once the pruner's startup threshold (enough finished runs) has been seen reached: from then on
   * reports skip counting. Finished runs are counted from the runs themselves, never by a counter that a
   * retried or half-done request could miss or double.
   */
  prunerStarted?: boolean;
  /** Last sequence number handed to an enqueued params entry (0 when none). */
  queueSeq: number;
  /** Prior observations from a warm start, held as separate items. */
  priorCount: number;
  /** With a warm start: the runs it left out (part of the create's answer, given again to a repeat). */
  warmStartSkipped?: number;
  /** Fingerprint of the create request's body when it came with an Idempotency-Key. */
  requestFingerprint?: string;
}

/** Where an idempotency key belongs: a study (asks, enqueues), or creates (no study yet). */
export type RequestScope = { studyId: string } | 'create';

export type ClaimResult =
  /** `reserved`: the value the key's first claim reserved (kept across takeovers). */
  | { kind: 'claimed'; token: string; reserved?: string }
  | { kind: 'done'; result: number | string; fingerprint: string }
  | { kind: 'busy' };

export interface QueuedParams {
  seq: number;
  params: Params;
  createdAt: string;
  /** The Idempotency-Key of the enqueue call that wrote it, if it had one. */
  requestId?: string;
}

export interface PriorObservation {
  params: Params;
  value: number;
  state: RunState;
}

export interface StepValue {
  number: number;
  value: number;
}

export type TransitionResult = { ok: true; run: Run } | { ok: false; run?: Run };

export interface StudyStore {
  /**
   * Writes the study with its warm-start priors: the study appears with all of them or not at all (a
   * create that dies half-way leaves its priors listed in `pendingDeletions` once its grace is over).
   * Throws ConflictError StudyAlreadyExists when the id is taken.
   */
  createStudy(study: StoredStudy, priors?: readonly PriorObservation[]): Promise<void>;
  getStudy(studyId: string): Promise<StoredStudy | undefined>;
  listStudies(limit: number, cursor?: string): Promise<Page<StoredStudy>>;
  /**
   * Sets the state; returns the study and whether this call changed it (false: it already had that
   * state), or undefined when it does not exist.
   */
  setStudyState(studyId: string, state: StudyState, now: string): Promise<{ study: StoredStudy; changed: boolean } | undefined>;
  /**
   * Deletes the study item first (so it disappears at once), then everything under it for up to
   * `budgetMs`; what is left is finished by `finishDeletion` (a marker lists it in `pendingDeletions`).
   * `existed`: the study item was there and this call deleted it. Throws ConflictError RequestInProgress
   * while another DELETE of the study holds its claim;
   * `finished`: nothing of the study is left. Either way the partition is swept once more after a grace
   * (see `pendingDeletions`), for whatever requests that read the study just before wrote after.
   */
  deleteStudy(studyId: string, budgetMs: number, nowMs: number): Promise<{ existed: boolean; finished: boolean }>;
  /**
   * Studies whose items are to be swept: deletions not finished yet, deletions due for their final
   * re-sweep, and creates that died after writing priors (listed once `nowMs` is past their grace, so a
   * create still running is never swept).
   */
  pendingDeletions(limit: number, nowMs: number): Promise<string[]>;
  /**
   * Goes on sweeping a deletion for up to `budgetMs`. `finished`: nothing is left to do (everything of
   * the study is gone, or the study of a create's leftover marker turns out to exist: only the marker
   * goes). `deletedStudy`: the study item was still there under the claim of a DELETE that died, and
   * this call deleted it (the caller announces it).
   */
  finishDeletion(studyId: string, budgetMs: number, nowMs: number): Promise<{ finished: boolean; deletedStudy: boolean }>;
  /**
   * Clears what a create that died under an Idempotency-Key left under its reserved id, grace or not:
   * for the retry that owns the key. True when nothing is left.
   */
  clearAbandonedCreate(studyId: string, budgetMs: number): Promise<boolean>;

  /** All runs in number order; with `afterNumber`, only the runs numbered above it (catch-up). */
  loadRuns(studyId: string, afterNumber?: number): Promise<Run[]>;
  listRuns(studyId: string, limit: number, cursor?: string): Promise<Page<Run>>;
  /** Writes a new run under its number; 'taken' when another ask got that number first. */
  insertRun(run: Run): Promise<'inserted' | 'taken'>;
  getRun(studyId: string, runId: string): Promise<Run | undefined>;
  getRunByNumber(studyId: string, number: number): Promise<Run | undefined>;
  /** Running runs whose deadline is before `nowMs`, oldest deadline first (for the timeout sweeper). */
  listOverdueRuns(nowMs: number, limit: number): Promise<{ studyId: string; number: number }[]>;
  /**
   * Moves a run to new attributes if its state is one of `from` (and, when given, its deadline is
   * before `deadlineBefore`). On failure returns the current run (undefined when it does not exist).
   */
  transitionRun(
    studyId: string,
    number: number,
    from: readonly RunState[],
    set: Partial<Run>,
    opts?: { deadlineBefore?: number },
  ): Promise<TransitionResult>;

  /** Records a completed run as the best when it beats the stored one (conditional); the best it replaced. */
  offerBest(studyId: string, candidate: BestRun, direction: Direction, now: string): Promise<{ improved: boolean; previous?: BestRun }>;
  /** How many runs are `completed` or `pruned`, counted up to `atMost` (reading no further than needed). */
  countFinishedRuns(studyId: string, atMost: number): Promise<number>;
  /** Records that the pruner's startup threshold was reached (see StoredStudy.prunerStarted). */
  markPrunerStarted(studyId: string): Promise<void>;

  /** Idempotency keys: claim a request key (lease), then mark it done with the request's result. */
  claimRequest(scope: RequestScope, key: string, fingerprint: string, nowMs: number, leaseMs: number, reserve?: string): Promise<ClaimResult>;
  /** false when the claim is no longer this attempt's (taken over after its lease, or deleted with its study). */
  finishRequest(scope: RequestScope, key: string, token: string, result: number | string): Promise<boolean>;
  /** Ends the claim's lease at once (a failed attempt): the next attempt takes it over, reservation and all. */
  releaseRequest(scope: RequestScope, key: string, token: string): Promise<void>;

  /** Stores a metric once: 'stored', 'same' (identical repeat), or the conflicting stored value. */
  putMetric(studyId: string, number: number, step: number, value: number, now: string): Promise<{ kind: 'stored' | 'same' } | { kind: 'conflict'; stored: number }>;
  /** This run's values by step. */
  getCurve(studyId: string, number: number): Promise<Map<number, number>>;
  /** Every run's value at each of `steps` (strongly consistent). */
  valuesAtSteps(studyId: string, steps: readonly number[]): Promise<Map<number, StepValue[]>>;

  /**
   * Appends params to the study's queue, all or nothing (readers see a call's entries once all are
   * written); returns the sequence numbers given.
   */
  enqueue(studyId: string, params: readonly Params[], now: string, requestId?: string): Promise<number[]>;
  /** The entries of complete enqueue calls, in seq order. */
  loadQueue(studyId: string): Promise<QueuedParams[]>;

  loadPriors(studyId: string): Promise<PriorObservation[]>;
}
