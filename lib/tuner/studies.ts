/** Study use cases: create (with warm start), read, list, stop, delete, export. */
import { v4 as uuidv4 } from 'uuid';
import { toMinimized, type Direction, type Params, type Run, type Study } from '../domain/types';
import { NotFoundError, RetryLaterError, ValidationError } from '../errors';
import { publishSafely } from '../events/publisher';
import { makeEvent } from '../events/types';
import type { CreateStudyInput } from '../http/schemas';
import { getPruner, DEFAULT_PRUNER } from '../pruners/registry';
import { randomSeed } from '../random';
import { canonicalParams, paramsProblems } from '../space/transform';
import { DEFAULT_STRATEGY, getStrategy } from '../strategies/registry';
import type { Page, PriorObservation, StoredStudy } from '../store/store';
import { DEFAULT_METRIC_TIMEOUT_SECONDS, DELETE_BUDGET_MS, MAX_WARM_START_RUNS } from './defaults';
import { bestCompleted, offerBest } from './best';
import { isoAt, type TunerDeps } from './deps';
import { bodyFingerprint, keyReused, once } from './idempotency';
import { expireOverdue } from './timeouts';
import { runView, studyView } from './views';

export async function createStudy(deps: TunerDeps, input: CreateStudyInput, requestId?: string) {
  const study = newStudy(deps, input);
  let priors: PriorObservation[] = [];
  if (input.warmStartFrom) {
    const warm = await warmStartPriors(deps, study, input.warmStartFrom as WarmStartFrom);
    priors = warm.priors;
    Object.assign(study, { priorCount: priors.length, warmStartSkipped: warm.skipped });
  }
  return requestId === undefined ? writeStudy(deps, study, priors) : createOnce(deps, study, priors, requestId, bodyFingerprint('create', input));
}

/** The study a create asks for, its options validated and every default filled in (nothing written yet). */
function newStudy(deps: TunerDeps, input: CreateStudyInput): StoredStudy {
  const { name: strategyName = DEFAULT_STRATEGY, seed, ...strategyRaw } = input.strategy ?? {};
  const strategyOptions = getStrategy(strategyName).parseOptions(strategyRaw, input.space);
  const { name: prunerName = DEFAULT_PRUNER, ...prunerRaw } = input.pruner ?? {};
  const prunerOptions = getPruner(prunerName).parseOptions(prunerRaw);
  const now = isoAt(deps.clock());
  return {
    studyId: uuidv4(),
    name: input.name,
    direction: input.direction ?? 'minimize',
    space: input.space,
    strategy: { name: strategyName, seed: seed ?? randomSeed(), options: strategyOptions },
    pruner: { name: prunerName, options: prunerOptions },
    maxRuns: input.maxRuns,
    metricTimeoutSeconds: input.metricTimeoutSeconds ?? DEFAULT_METRIC_TIMEOUT_SECONDS,
    retryFailed: input.retryFailed ?? 0,
    state: 'active',
    createdAt: now,
    updatedAt: now,
    queueSeq: 0,
    priorCount: 0,
  };
}

type SourceRun = { params: Record<string, unknown>; value?: number; state?: Run['state'] };
type WarmStartFrom = { studyId?: string; runs?: SourceRun[]; study?: { direction?: Direction } };

/** The priors a warm start keeps (finished runs that are points of the new space, the most recent 10,000) and how many it left out. */
async function warmStartPriors(deps: TunerDeps, study: StoredStudy, from: WarmStartFrom): Promise<{ priors: PriorObservation[]; skipped: number }> {
  const { space } = study;
  if (from.studyId === undefined) checkDirection(from.study?.direction, study.direction, 'warmStartFrom.study.direction');
  const source = from.studyId !== undefined ? await priorsFromStudy(deps, from.studyId, study.direction) : (from.runs ?? []);
  const priors: PriorObservation[] = [];
  let skipped = 0;
  for (const r of source) {
    const state = r.state ?? 'completed';
    // Only finished observations teach a strategy something; params must be points of the new space.
    const usable = (state === 'completed' && typeof r.value === 'number') || state === 'failed' || state === 'pruned';
    if (!usable || paramsProblems(space, r.params).length > 0) {
      skipped++;
      continue;
    }
    priors.push({ params: canonicalParams(space, r.params as Params), value: r.value as number, state });
  }
  // A source study may hold any number of runs (and its own priors): copying them all would outgrow
  // the request's time and every later ask's history. The most recent ones are kept.
  if (priors.length > MAX_WARM_START_RUNS) {
    skipped += priors.length - MAX_WARM_START_RUNS;
    priors.splice(0, priors.length - MAX_WARM_START_RUNS);
  }
  return { priors, skipped };
}

async function writeStudy(deps: TunerDeps, study: StoredStudy, priors: readonly PriorObservation[]) {
  await deps.store.createStudy(study, priors);
  const data = { name: study.name, direction: study.direction, strategy: study.strategy.name, pruner: study.pruner.name, maxRuns: study.maxRuns ?? null };
  await publishSafely(deps.events, [makeEvent('StudyCreated', study.studyId, { data })], deps.logger);
  return createdView(study);
}

/**
 * A create under an Idempotency-Key. The study id is the one the key's first claim reserved, so an
 * attempt that created the study and failed before answering is found by its id, not created twice.
 */
function createOnce(deps: TunerDeps, study: StoredStudy, priors: readonly PriorObservation[], requestId: string, fingerprint: string) {
  const replay = async (id: number | string) => createdView(await requireStudy(deps, String(id)));
  const work = async (reserved: string | undefined) => {
    const id = reserved ?? study.studyId;
    if (id !== study.studyId) {
      const earlier = await deps.store.getStudy(id);
      if (earlier) {
        if (earlier.requestFingerprint !== fingerprint) throw keyReused(requestId);
        return { value: createdView(earlier), result: id };
      }
      // An earlier attempt may have written part of its priors (for another body, even): clear them.
      if (!(await deps.store.clearAbandonedCreate(id, DELETE_BUDGET_MS))) {
        throw new RetryLaterError(`an earlier attempt of request ${requestId} is still being cleared; retry shortly`, 1);
      }
    }
    return { value: await writeStudy(deps, { ...study, studyId: id, requestFingerprint: fingerprint }, priors), result: id };
  };
  return once(deps, 'create', requestId, fingerprint, replay, work, study.studyId);
}

/**
 * What a create answers: the new study, and with a warm start how many runs it took and left out. A
 * repeat under the same Idempotency-Key gets this same answer, built from the stored study as it was
 * created: not stopped, no best, no runs, untouched since, whatever happened to it in between.
 */
function createdView(study: StoredStudy) {
  const view = studyView({ ...study, state: 'active', best: undefined, updatedAt: study.createdAt }, []);
  if (study.warmStartSkipped !== undefined) Object.assign(view, { warmStartRuns: study.priorCount, warmStartSkipped: study.warmStartSkipped });
  return view;
}

/**
 * Priors are values of the new study's objective as they are: values of a study that sought the other
 * direction would teach it to seek the opposite, so such a source is refused rather than flipped (a
 * value's sign may not be all the other study meant by it).
 */
function checkDirection(source: Direction | undefined, direction: Direction, path: string): void {
  if (source === undefined || source === direction) return;
  const verb = (d: Direction) => (d === 'maximize' ? 'maximizes' : 'minimizes');
  throw new ValidationError(
    `the source study ${verb(source)} and this one ${verb(direction)}: its values would teach this study the opposite of what it seeks (warm-start from a study with direction "${direction}", or create this one with direction "${source}")`,
    path,
  );
}

async function priorsFromStudy(deps: TunerDeps, studyId: string, direction: Direction): Promise<SourceRun[]> {
  const source = await deps.store.getStudy(studyId);
  if (!source) throw new ValidationError(`study ${studyId} does not exist`, 'warmStartFrom.studyId');
  checkDirection(source.direction, direction, 'warmStartFrom.studyId');
  const [runs, priors] = await Promise.all([deps.store.loadRuns(studyId), deps.store.loadPriors(studyId)]);
  return [...priors, ...runs];
}

export async function requireStudy(deps: TunerDeps, studyId: string): Promise<StoredStudy> {
  const study = await deps.store.getStudy(studyId);
  if (!study) throw new NotFoundError('StudyNotFound', `study ${studyId} does not exist`);
  return study;
}

/** The study with counts by state and its best run; times out silent runs on the way. */
export async function getStudy(deps: TunerDeps, studyId: string) {
  let study = await requireStudy(deps, studyId);
  const runs = await deps.store.loadRuns(studyId);
  await expireOverdue(deps, studyId, runs);
  // The runs are loaded anyway: a completed run better than the stored best (its completion failed
  // before offering it, and nobody retried) becomes the best now.
  const best = bestCompleted(runs, study);
  if (best && (!study.best || toMinimized(best.value as number, study.direction) < toMinimized(study.best.value, study.direction))) {
    const events = await offerBest(deps, study, best, deps.clock());
    await publishSafely(deps.events, events, deps.logger);
    study = (await deps.store.getStudy(studyId)) ?? study;
  }
  return studyView(study, runs);
}

export async function listStudies(deps: TunerDeps, limit = 50, cursor?: string) {
  const page: Page<StoredStudy> = await deps.store.listStudies(limit, cursor);
  return { studies: page.items.map((s) => studyView(s)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export async function listRuns(deps: TunerDeps, studyId: string, limit = 100, cursor?: string) {
  const study = await requireStudy(deps, studyId);
  const page = await deps.store.listRuns(studyId, limit, cursor);
  return { runs: page.items.map((r) => runView(r, study)), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** Further asks get 409 StudyStopped; running runs can still report. Stopping twice is a no-op (one event). */
export async function stopStudy(deps: TunerDeps, studyId: string) {
  const before = await requireStudy(deps, studyId);
  if (before.state === 'stopped') return getStudy(deps, studyId);
  const now = deps.clock();
  const after = await deps.store.setStudyState(studyId, 'stopped', isoAt(now));
  if (!after) throw new NotFoundError('StudyNotFound', `study ${studyId} does not exist`);
  if (after.changed) await publishSafely(deps.events, [makeEvent('StudyStopped', studyId, { at: new Date(now) })], deps.logger);
  return getStudy(deps, studyId);
}

/**
 * The study disappears at once; its runs, metrics and the rest go within `budgetMs` (most studies) or
 * are finished by the sweeper, so a study of any size answers before the request times out.
 */
export async function deleteStudy(deps: TunerDeps, studyId: string, budgetMs = DELETE_BUDGET_MS): Promise<void> {
  const { existed } = await deps.store.deleteStudy(studyId, budgetMs, deps.clock());
  if (!existed) throw new NotFoundError('StudyNotFound', `study ${studyId} does not exist`);
  await publishSafely(deps.events, [makeEvent('StudyDeleted', studyId)], deps.logger);
}

/** Everything needed to re-create the study elsewhere or warm-start a new one from it. */
export async function exportStudy(deps: TunerDeps, studyId: string) {
  const study = await requireStudy(deps, studyId);
  const [runs, priors] = await Promise.all([deps.store.loadRuns(studyId), deps.store.loadPriors(studyId)]);
  await expireOverdue(deps, studyId, runs);
  return {
    format: 'visutility-tuner-export',
    version: 1,
    exportedAt: isoAt(deps.clock()),
    study: studyView(study, runs),
    runs: runs.map((r) => runView(r, study)),
    ...(priors.length ? { warmStartRuns: priors } : {}),
  };
}

export type { Study };
