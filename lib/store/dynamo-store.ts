/**
 * The StudyStore port on DynamoDB (lib-dynamodb document client): nothing but SDK calls and mapping.
 * Layout in table.ts. Reads that decide anything are strongly consistent.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { v4 as uuidv4 } from 'uuid';
import type { BestRun, Direction, Params, Run, RunState, StudyState } from '../domain/types';
import { ConflictError, NotFoundError } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';
import type {
  ClaimResult,
  Page,
  PriorObservation,
  QueuedParams,
  RequestScope,
  StepValue,
  StoredStudy,
  StudyStore,
  TransitionResult,
} from './store';
import { CREATE_REQUESTS_PK, DELETIONS_PK, keys, RUNNING_GSI_PK, STUDIES_GSI_PK, STUDY_SK, TABLE_KEYS } from './table';

/**
 * Attributes that are the store's own, never part of a study or run: keys, and the write tokens below.
 *
 * Write tokens: the SDK retries a call whose answer was lost (a timeout, a 500) by itself, and a
 * conditional write that the table had applied then fails its own condition on the second attempt.
 * Each conditional write therefore stores a token of its own, and a condition failure whose item holds
 * that token is the same call's write, not a competing one.
 */
const KEY_ATTRS = new Set(['pk', 'sk', 'lsi1', 'gsi1pk', 'gsi1sk', TABLE_KEYS.ttlAttribute, 'rev', 'bestBy', 'previousBest', 'createdBy', 'stateBy', 'deletedBy', 'w']);
/** Claims of idempotency keys live a day (TTL in AWS; dynalite keeps them). */
const REQUEST_TTL_SECONDS = 24 * 3600;

function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.has(k)) out[k] = v;
  return out as T;
}

/** Where a request key's claim lives: in its study's partition, or for creates in their own. */
function requestKey(scope: RequestScope, key: string) {
  return { pk: scope === 'create' ? CREATE_REQUESTS_PK : keys.studyPk(scope.studyId), sk: keys.requestSk(key) };
}

/** BatchWrites in flight at once when writing or deleting many items (each is 25 items). */
const WRITE_CONCURRENCY = 8;
/**
 * How long after a study's createdAt its create may still be writing priors: 15 minutes, Lambda's
 * longest timeout (the API's functions stop at 10 s), so the sweeper never races a live create.
 */
export const CREATE_GRACE_MS = 15 * 60_000;
/** How long after a DELETE a request that read the study before it may still write under it (the same bound). */
export const DELETION_GRACE_MS = CREATE_GRACE_MS;
/**
 * How long a DELETE's claim on a study holds: longer than a DELETE runs (its function stops at 10 s;
 * locally its sweep stops after 5 s). After that it belongs to a DELETE that died, and a retry or the
 * sweeper takes it over.
 */
export const DELETE_CLAIM_MS = 30_000;

/** Keys that put a running run in the sweeper's index (sparse: only while running). */
function runningKeys(run: Run): Record<string, string> {
  if (run.state !== 'running' || run.deadline === undefined) return {};
  return { gsi1pk: RUNNING_GSI_PK, gsi1sk: keys.runningGsiSk(run.deadline, run.studyId, run.number) };
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoStudyStore implements StudyStore {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: DynamoStoreOptions) {
    this.db = options.client;
    this.table = options.tableName;
  }

  // ---- studies ---------------------------------------------------------------------------------

  async createStudy(study: StoredStudy, priors: readonly PriorObservation[] = []): Promise<void> {
    // Priors go in before the study item, so the study appears with all of them or not at all. A
    // create that dies in between would leave them under no study: its marker, written first, lists
    // them for the sweeper once the request has certainly ended.
    if (priors.length > 0) {
      const creatingUntil = Date.parse(study.createdAt) + CREATE_GRACE_MS;
      await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: DELETIONS_PK, sk: study.studyId, studyId: study.studyId, creatingUntil } }));
      await this.putPriors(study.studyId, priors);
    }
    const Key = { pk: keys.studyPk(study.studyId), sk: STUDY_SK };
    const token = uuidv4();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...Key, gsi1pk: STUDIES_GSI_PK, gsi1sk: keys.studiesGsiSk(study.createdAt, study.studyId), ...study, createdBy: token },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (!(await this.ownWrite(Key, 'createdBy', token))) throw new ConflictError('StudyAlreadyExists', `a study with id ${study.studyId} already exists`);
    }
    if (priors.length > 0) await this.dropCreateMarker(study.studyId);
  }

  /** Removes a create's marker, unless a DELETE has since put its own there (which must stay). */
  private async dropCreateMarker(studyId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: { pk: DELETIONS_PK, sk: studyId }, ConditionExpression: 'attribute_exists(creatingUntil)' }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** The item at `Key`, strongly consistent (what follows a refused conditional write, and any read that decides). */
  private async item(Key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }))).Item;
  }

  /** The item at `Key` if its `attr` holds `token`: a write of this call that the SDK sent again (see KEY_ATTRS). */
  private async ownWrite(Key: Record<string, string>, attr: string, token: string): Promise<Record<string, unknown> | undefined> {
    const item = await this.item(Key);
    return item && item[attr] === token ? item : undefined;
  }

  async getStudy(studyId: string): Promise<StoredStudy | undefined> {
    const item = await this.item({ pk: keys.studyPk(studyId), sk: STUDY_SK });
    return item ? strip<StoredStudy>(item) : undefined;
  }

  async listStudies(limit: number, cursor?: string): Promise<Page<StoredStudy>> {
    const { indexName, partitionKey, sortKey } = TABLE_KEYS.gsi1;
    const start = decodeCursor(cursor, ['pk', 'sk', partitionKey, sortKey], (k) => {
      // The key of a study item as this list returns it: STUDY#<id>, and <createdAt>#<id> in the index.
      const at = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([A-Za-z0-9_-]{1,64})$/.exec(k[sortKey]);
      return at !== null && k[partitionKey] === STUDIES_GSI_PK && k.sk === STUDY_SK && k.pk === keys.studyPk(at[2]);
    });
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: indexName,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': partitionKey },
        ExpressionAttributeValues: { ':p': STUDIES_GSI_PK },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return { items: (r.Items ?? []).map((i) => strip<StoredStudy>(i)), nextCursor: encodeCursor(r.LastEvaluatedKey) };
  }

  async setStudyState(studyId: string, state: StudyState, now: string): Promise<{ study: StoredStudy; changed: boolean } | undefined> {
    const Key = { pk: keys.studyPk(studyId), sk: STUDY_SK };
    const token = uuidv4();
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: 'SET #s = :s, updatedAt = :now, stateBy = :t',
          // Only a change is a change: two stops at once make one StudyStopped.
          ConditionExpression: 'attribute_exists(pk) AND #s <> :s',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':s': state, ':now': now, ':t': token },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { study: strip<StoredStudy>(r.Attributes ?? {}), changed: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const item = await this.item(Key);
    return item ? { study: strip<StoredStudy>(item), changed: item.stateBy === token } : undefined;
  }

  async deleteStudy(studyId: string, budgetMs: number, nowMs: number): Promise<{ existed: boolean; finished: boolean }> {
    const deadline = Date.now() + budgetMs;
    const markerKey = { pk: DELETIONS_PK, sk: studyId };
    // The marker goes in first: whatever stops this request (its time, a crash) leaves the study listed
    // for the sweeper, never orphaned, and the sweeper finishes a DELETE that died half-way. It is also
    // this DELETE's claim on the study (on the marker, not the study item, which may sit in a partition
    // at DynamoDB's 10 GB limit, where a write that grows it is refused): of two DELETEs at once one
    // goes on, the other is told to retry; a claim older than any request can run is taken over.
    // `deletedAt` also starts the grace of the final re-sweep.
    const token = uuidv4();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...markerKey, studyId, deletedAt: nowMs, deletedBy: token },
          ConditionExpression: 'attribute_not_exists(deletedAt) OR attribute_exists(sweepAgainAt) OR deletedAt < :stale',
          ExpressionAttributeValues: { ':stale': nowMs - DELETE_CLAIM_MS },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      if (!(await this.ownWrite(markerKey, 'deletedBy', token))) {
        throw new ConflictError('RequestInProgress', `a DELETE of study ${studyId} is in progress; retry shortly`, undefined, 1);
      }
    }
    // Claimed: nothing but this request removes the study item now, so what this read finds is what this
    // request deletes, and the delete need not be conditional (the SDK may send it twice).
    const existed = !!(await this.getStudy(studyId));
    if (existed) await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: keys.studyPk(studyId), sk: STUDY_SK } }));
    return { existed, finished: await this.sweepDeletion(studyId, deadline, { nowMs, live: false }) };
  }

  async pendingDeletions(limit: number, nowMs: number): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': DELETIONS_PK }, ExclusiveStartKey: start }),
      );
      // A create still inside its grace may be writing right now: its items are not orphans yet. A swept
      // deletion waits for its re-sweep until every request that raced it has ended.
      for (const i of r.Items ?? []) if (!(Number(i.creatingUntil) > nowMs) && !(Number(i.sweepAgainAt) > nowMs)) out.push(i.studyId as string);
      start = r.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out.slice(0, limit);
  }

  async finishDeletion(studyId: string, budgetMs: number, nowMs: number): Promise<{ finished: boolean; deletedStudy: boolean }> {
    const markerKey = { pk: DELETIONS_PK, sk: studyId };
    if (await this.getStudy(studyId)) {
      const marker = await this.item(markerKey);
      const deletedAt = Number(marker?.deletedAt);
      if (Number.isFinite(deletedAt) && marker?.sweepAgainAt === undefined) {
        // A DELETE's claim on a study that still exists: one in progress, or one that died before
        // deleting the study item (its client got an error). Once no request can still be running it,
        // the sweeper finishes it: the study was to go.
        if (deletedAt >= nowMs - DELETE_CLAIM_MS) return { finished: false, deletedStudy: false };
        await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: keys.studyPk(studyId), sk: STUDY_SK } }));
        return { finished: await this.sweepDeletion(studyId, Date.now() + budgetMs, { nowMs, live: true }), deletedStudy: true };
      }
      // A create that wrote its study but died before dropping its marker: the study is whole, only the
      // marker is left.
      await this.dropCreateMarker(studyId);
      return { finished: !(await this.item(markerKey)), deletedStudy: false };
    }
    return { finished: await this.sweepDeletion(studyId, Date.now() + budgetMs, { nowMs, live: true }), deletedStudy: false };
  }

  clearAbandonedCreate(studyId: string, budgetMs: number): Promise<boolean> {
    return this.sweepDeletion(studyId, Date.now() + budgetMs);
  }

  /**
   * Deletes the study's partition a page at a time until done or past `deadline`. Then the marker:
   * - a DELETE's marker is kept as a tombstone until DELETION_GRACE_MS after the DELETE, and the
   *   partition is swept once more then: a request that read the study just before the DELETE (a
   *   metric, an enqueue, an ask) may still write under it, and nothing else would ever find that item;
   * - otherwise it goes (a create's leftover, or with no `at`, the keyed create clearing its own id).
   * With `live`, a create that is (again) inside its grace stops the sweep: a keyed create retried late
   * may be writing under the same id right now.
   */
  private async sweepDeletion(studyId: string, deadline: number, at?: { nowMs: number; live: boolean }): Promise<boolean> {
    const pk = keys.studyPk(studyId);
    const markerKey = { pk: DELETIONS_PK, sk: studyId };
    let marker: Record<string, unknown> | undefined;
    const readMarker = async () => {
      if (at) marker = await this.item(markerKey);
      return marker;
    };
    const creating = () => at?.live === true && Number(marker?.creatingUntil) > at.nowMs;
    // Every page starts from the partition's beginning: the items of the pages before are gone.
    for (;;) {
      await readMarker();
      if (Date.now() >= deadline || creating()) return false;
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          // What a request racing the DELETE wrote a moment ago must be in the last page too.
          ConsistentRead: true,
        }),
      );
      const items = page.Items ?? [];
      await this.batchWriteAll(items.map((it) => ({ DeleteRequest: { Key: { pk: it.pk, sk: it.sk } } })));
      if (!page.LastEvaluatedKey) break;
    }
    const deletedAt = Number(marker?.deletedAt);
    if (at && Number.isFinite(deletedAt) && deletedAt + DELETION_GRACE_MS > at.nowMs) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: markerKey,
            UpdateExpression: 'SET sweepAgainAt = :again',
            ConditionExpression: 'deletedAt = :at',
            ExpressionAttributeValues: { ':again': deletedAt + DELETION_GRACE_MS, ':at': deletedAt },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      return true;
    }
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: markerKey,
          ...(at?.live
            ? { ConditionExpression: 'attribute_not_exists(creatingUntil) OR creatingUntil <= :now', ExpressionAttributeValues: { ':now': at.nowMs } }
            : {}),
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return false; // a create took the id up again meanwhile: its marker stays
    }
    return true;
  }

  /**
   * BatchWrites of 25, WRITE_CONCURRENCY at a time: at some 10–20 ms a batch, 100,000 items one batch
   * after another would take over a minute, far more than a request has.
   */
  private async batchWriteAll(requests: Record<string, unknown>[]): Promise<void> {
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    let next = 0;
    let failed = false;
    const worker = async () => {
      try {
        while (!failed && next < batches.length) await this.batchWrite(batches[next++]);
      } catch (err) {
        failed = true; // the other workers start no further batch
        throw err;
      }
    };
    // Settled before the error goes up: nothing of this request may go on writing behind its answer (a
    // retry clearing the same items would race it).
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(WRITE_CONCURRENCY, batches.length) }, worker));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** BatchWrite with the unprocessed items retried (with backoff) until none are left. */
  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 10) throw new Error(`BatchWrite left ${pending.length} items unprocessed after ${attempt} attempts`);
      const r = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }));
      pending = (r.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
    }
  }

  /** All pages of a query. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      out.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  // ---- runs ------------------------------------------------------------------------------------

  async loadRuns(studyId: string, afterNumber = -1): Promise<Run[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.studyPk(studyId), ':from': keys.runSk(afterNumber + 1), ':to': keys.runSk(9_999_999_999) },
      ConsistentRead: true,
    });
    return items.map((i) => strip<Run>(i));
  }

  async listRuns(studyId: string, limit: number, cursor?: string): Promise<Page<Run>> {
    const pk = keys.studyPk(studyId);
    const start = decodeCursor(cursor, ['pk', 'sk'], (k) => k.pk === pk && /^RUN#\d{10}$/.test(k.sk));
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': pk, ':run': 'RUN#' },
        Limit: limit,
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    return { items: (r.Items ?? []).map((i) => strip<Run>(i)), nextCursor: encodeCursor(r.LastEvaluatedKey) };
  }

  async insertRun(run: Run): Promise<'inserted' | 'taken'> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: keys.studyPk(run.studyId), sk: keys.runSk(run.number), lsi1: keys.runIdLsi(run.runId), ...runningKeys(run), ...run },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'inserted';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    // The run id is this call's own: finding it under the number means the SDK sent our write twice.
    return (await this.getRunByNumber(run.studyId, run.number))?.runId === run.runId ? 'inserted' : 'taken';
  }

  async listOverdueRuns(nowMs: number, limit: number): Promise<{ studyId: string; number: number }[]> {
    const { indexName, partitionKey, sortKey } = TABLE_KEYS.gsi1;
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: indexName,
        KeyConditionExpression: '#p = :p AND #s < :upTo',
        ExpressionAttributeNames: { '#p': partitionKey, '#s': sortKey, '#n': 'number' },
        ExpressionAttributeValues: { ':p': RUNNING_GSI_PK, ':upTo': keys.runningGsiUpTo(nowMs - 1) },
        ProjectionExpression: 'studyId, #n',
        Limit: limit,
      }),
    );
    return (r.Items ?? []).map((i) => ({ studyId: i.studyId as string, number: i.number as number }));
  }

  async getRun(studyId: string, runId: string): Promise<Run | undefined> {
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE_KEYS.lsi1.indexName,
        KeyConditionExpression: 'pk = :pk AND lsi1 = :id',
        ExpressionAttributeValues: { ':pk': keys.studyPk(studyId), ':id': keys.runIdLsi(runId) },
        ConsistentRead: true,
      }),
    );
    const item = r.Items?.[0];
    return item ? strip<Run>(item) : undefined;
  }

  async getRunByNumber(studyId: string, number: number): Promise<Run | undefined> {
    const item = await this.item({ pk: keys.studyPk(studyId), sk: keys.runSk(number) });
    return item ? strip<Run>(item) : undefined;
  }

  async transitionRun(
    studyId: string,
    number: number,
    from: readonly RunState[],
    set: Partial<Run>,
    opts: { deadlineBefore?: number } = {},
  ): Promise<TransitionResult> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(set).forEach(([k, v], i) => {
      if (v === undefined) return;
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      sets.push(`#f${i} = :f${i}`);
    });
    const removes: string[] = [];
    if (set.state !== undefined && set.state !== 'running') {
      removes.push('gsi1pk', 'gsi1sk');
    } else if (set.deadline !== undefined) {
      // Still running with a new deadline: move it in the sweeper's index.
      names['#g'] = TABLE_KEYS.gsi1.sortKey;
      values[':g'] = keys.runningGsiSk(set.deadline, studyId, number);
      sets.push('#g = :g');
    }
    const token = uuidv4();
    values[':rev'] = token;
    sets.push('rev = :rev');
    const states = from.map((s, i) => {
      values[`:s${i}`] = s;
      return `:s${i}`;
    });
    let condition = `attribute_exists(pk) AND #state IN (${states.join(', ')})`;
    if (opts.deadlineBefore !== undefined) {
      names['#deadline'] = 'deadline';
      values[':db'] = opts.deadlineBefore;
      condition += ' AND #deadline < :db';
    }
    if (set.lastStep !== undefined) {
      // Reports of one run may be handled out of order: the newest step stays the run's last.
      names['#ls'] = 'lastStep';
      values[':ls'] = set.lastStep;
      condition += ' AND (attribute_not_exists(#ls) OR #ls <= :ls)';
    }
    const Key = { pk: keys.studyPk(studyId), sk: keys.runSk(number) };
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, run: strip<Run>(r.Attributes ?? {}) };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const current = await this.item(Key);
    // Our own write, sent twice by the SDK. (Should another write have changed the run in between, the
    // transition is reported lost: the later write decided the run's fate.)
    if (current?.rev === token) return { ok: true, run: strip<Run>(current) };
    return { ok: false, run: current ? strip<Run>(current) : undefined };
  }

  async offerBest(studyId: string, candidate: BestRun, direction: Direction, now: string): Promise<{ improved: boolean; previous?: BestRun }> {
    const Key = { pk: keys.studyPk(studyId), sk: STUDY_SK };
    const token = uuidv4();
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          // The best it replaces is kept beside it, for the event of a call whose answer the SDK lost.
          UpdateExpression: 'SET previousBest = if_not_exists(best, :none), best = :b, bestBy = :t, updatedAt = :now',
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(best) OR best.#v ${direction === 'maximize' ? '<' : '>'} :v)`,
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':b': candidate, ':v': candidate.value, ':now': now, ':t': token, ':none': null },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return { improved: true, previous: (r.Attributes?.best as BestRun | undefined) ?? undefined };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const own = await this.ownWrite(Key, 'bestBy', token);
    return own ? { improved: true, previous: (own.previousBest as BestRun | null) ?? undefined } : { improved: false };
  }

  async countFinishedRuns(studyId: string, atMost: number): Promise<number> {
    if (atMost <= 0) return 0;
    // Runs mostly finish in about the order they started: reading from run 0 up finds `atMost` finished
    // ones after little more than that many items (one page), and stops there.
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': keys.studyPk(studyId), ':run': 'RUN#' },
          ExpressionAttributeNames: { '#s': 'state' },
          ProjectionExpression: '#s',
          ConsistentRead: true,
          Limit: Math.min(1000, Math.max(25, 2 * atMost)),
          ExclusiveStartKey: start,
        }),
      );
      for (const i of r.Items ?? []) if (i.state === 'completed' || i.state === 'pruned') count++;
      start = r.LastEvaluatedKey;
    } while (start && count < atMost);
    return Math.min(count, atMost);
  }

  async markPrunerStarted(studyId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.studyPk(studyId), sk: STUDY_SK },
          UpdateExpression: 'SET prunerStarted = :yes',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  // ---- idempotency keys ------------------------------------------------------------------------

  async claimRequest(scope: RequestScope, key: string, fingerprint: string, nowMs: number, leaseMs: number, reserve?: string): Promise<ClaimResult> {
    const Key = requestKey(scope, key);
    const token = uuidv4();
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          // A reservation outlives the attempts that take the claim over: it names what the first made.
          UpdateExpression: `SET #s = :pending, #token = :t, fingerprint = :f, leaseUntil = :until, #ttl = :ttl${reserve !== undefined ? ', reserved = if_not_exists(reserved, :r)' : ''}`,
          // A pending claim whose lease ran out (or was given up) belongs to an attempt that failed: take it over.
          ConditionExpression: 'attribute_not_exists(pk) OR (#s = :pending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'state', '#token': 'token', '#ttl': TABLE_KEYS.ttlAttribute },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':t': token,
            ':f': fingerprint,
            ':until': nowMs + leaseMs,
            ':now': nowMs,
            ':ttl': Math.floor(nowMs / 1000) + REQUEST_TTL_SECONDS,
            ...(reserve !== undefined ? { ':r': reserve } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'claimed', token, ...(typeof r.Attributes?.reserved === 'string' ? { reserved: r.Attributes.reserved } : {}) };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const claim = await this.item(Key);
    // Our own claim, its first attempt's answer lost and the SDK's second attempt refused by it.
    if (claim?.state === 'pending' && claim.token === token) {
      return { kind: 'claimed', token, ...(typeof claim.reserved === 'string' ? { reserved: claim.reserved } : {}) };
    }
    // Claims recorded before other requests than asks had keys stored the run number as runNumber.
    if (claim?.state === 'done') return { kind: 'done', result: (claim.result ?? claim.runNumber) as number | string, fingerprint: claim.fingerprint as string };
    return { kind: 'busy' };
  }

  async finishRequest(scope: RequestScope, key: string, token: string, result: number | string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: requestKey(scope, key),
          UpdateExpression: 'SET #s = :done, #result = :n',
          ConditionExpression: '#token = :t',
          ExpressionAttributeNames: { '#s': 'state', '#token': 'token', '#result': 'result' },
          ExpressionAttributeValues: { ':done': 'done', ':n': result, ':t': token },
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return false; // taken over by a later attempt (this one outlived its lease), or deleted with its study
    }
  }

  async releaseRequest(scope: RequestScope, key: string, token: string): Promise<void> {
    // The lease ends now; the claim stays with its reservation, for the retry to take over.
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: requestKey(scope, key),
          UpdateExpression: 'SET leaseUntil = :zero',
          ConditionExpression: '#token = :t',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':t': token, ':zero': 0 },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  // ---- metrics ---------------------------------------------------------------------------------

  async putMetric(
    studyId: string,
    number: number,
    step: number,
    value: number,
    now: string,
  ): Promise<{ kind: 'stored' | 'same' } | { kind: 'conflict'; stored: number }> {
    const pk = keys.studyPk(studyId);
    const sk = keys.metricSk(number, step);
    const token = uuidv4().slice(0, 13); // a metric is small and there are many: a shorter token is unique enough
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk, sk, lsi1: keys.stepLsi(step, number), number, step, value, createdAt: now, w: token },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { kind: 'stored' };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const metric = await this.item({ pk, sk });
    if (metric?.w === token) return { kind: 'stored' };
    const stored = metric?.value as number;
    return stored === value ? { kind: 'same' } : { kind: 'conflict', stored };
  }

  async getCurve(studyId: string, number: number): Promise<Map<number, number>> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.studyPk(studyId), ':p': keys.metricPrefix(number) },
      ProjectionExpression: 'step, #v',
      ExpressionAttributeNames: { '#v': 'value' },
      ConsistentRead: true,
    });
    return new Map(items.map((i) => [i.step as number, i.value as number]));
  }

  async valuesAtSteps(studyId: string, steps: readonly number[]): Promise<Map<number, StepValue[]>> {
    const pk = keys.studyPk(studyId);
    const entries = await Promise.all(
      [...new Set(steps)].map(async (step) => {
        const items = await this.queryAll({
          IndexName: TABLE_KEYS.lsi1.indexName,
          KeyConditionExpression: 'pk = :pk AND begins_with(lsi1, :p)',
          ExpressionAttributeValues: { ':pk': pk, ':p': keys.stepLsiPrefix(step) },
          ProjectionExpression: '#n, #v',
          ExpressionAttributeNames: { '#n': 'number', '#v': 'value' },
          ConsistentRead: true,
        });
        return [step, items.map((i) => ({ number: i.number as number, value: i.value as number }))] as const;
      }),
    );
    return new Map(entries);
  }

  // ---- queue and priors ------------------------------------------------------------------------

  async enqueue(studyId: string, params: readonly Params[], now: string, requestId?: string): Promise<number[]> {
    const pk = keys.studyPk(studyId);
    // An ADD the SDK sends twice skips a range of seqs that no entry ever gets: harmless, seqs need not be dense.
    let last: number;
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk, sk: STUDY_SK },
          UpdateExpression: 'ADD queueSeq :n SET updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':n': params.length, ':now': now },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      last = r.Attributes?.queueSeq as number;
    } catch (err) {
      // Deleted since the caller read it.
      if (isConditionFailure(err)) throw new NotFoundError('StudyNotFound', `study ${studyId} does not exist`);
      throw err;
    }
    const seqs = params.map((_, i) => last - params.length + 1 + i);
    // Each entry names its call's first seq and size: readers take a call's entries only once all of
    // them are there. A call that dies between batches leaves nothing usable, and its retry (the caller
    // got an error) enqueues the list once instead of twice over for the part already written.
    const batch = { batchStart: seqs[0], batchSize: params.length, ...(requestId !== undefined ? { requestId } : {}) };
    const puts = params.map((p, i) => ({ PutRequest: { Item: { pk, sk: keys.queueSk(seqs[i]), seq: seqs[i], params: p, createdAt: now, ...batch } } }));
    for (let i = 0; i < puts.length; i += 25) await this.batchWrite(puts.slice(i, i + 25));
    return seqs;
  }

  async loadQueue(studyId: string): Promise<QueuedParams[]> {
    const items = await this.itemsWithPrefix(studyId, 'QUEUE#');
    const present = new Map<number, number>();
    for (const i of items) if (typeof i.batchStart === 'number') present.set(i.batchStart, (present.get(i.batchStart) ?? 0) + 1);
    // Entries written before calls were marked stand alone.
    const whole = (i: Record<string, unknown>) => typeof i.batchStart !== 'number' || present.get(i.batchStart) === i.batchSize;
    return items
      .filter(whole)
      .map((i) => ({ seq: i.seq as number, params: i.params as Params, createdAt: i.createdAt as string, ...(typeof i.requestId === 'string' ? { requestId: i.requestId } : {}) }));
  }

  private async putPriors(studyId: string, priors: readonly PriorObservation[]): Promise<void> {
    const pk = keys.studyPk(studyId);
    // 10,000 priors are 400 batches: one after another they would take seconds of the create request.
    await this.batchWriteAll(priors.map((p, i) => ({ PutRequest: { Item: { pk, sk: `PRIOR#${String(i).padStart(6, '0')}`, ...p } } })));
  }

  async loadPriors(studyId: string): Promise<PriorObservation[]> {
    const items = await this.itemsWithPrefix(studyId, 'PRIOR#');
    return items.map((i) => ({ params: i.params as Params, value: i.value as number, state: i.state as RunState }));
  }

  /** Every item of a study whose sort key starts with `prefix`, strongly consistent. */
  private itemsWithPrefix(studyId: string, prefix: string): Promise<Record<string, unknown>[]> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.studyPk(studyId), ':p': prefix },
      ConsistentRead: true,
    });
  }
}
