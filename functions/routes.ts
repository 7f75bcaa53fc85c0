/**
 * The route table: the single source of truth for API Gateway (infra/stack.ts) and the local server
 * (infra/local/). Pure data, no imports of handlers, so the CDK app can read it without loading the
 * AWS SDK. `handler` names the file in functions/ whose `handler` export serves the route.
 */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** DynamoDB item operations, granted on the table itself. */
export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';
/** What a handler runs Query on: the table, or one of its indexes (lib/store/table.ts). */
export type QueryTarget = 'table' | 'lsi1' | 'gsi1';

/**
 * The DynamoDB calls a handler makes, traced through lib/tuner to lib/store/dynamo-store.ts; the stack
 * grants exactly these (Query only on the targets named), and test/infra/grants.test.ts runs every
 * handler to check it needs nothing more. Every handler that writes also gets GetItem: the store reads
 * an item back after a conditional write fails.
 */
export interface TableAccess {
  items: readonly ItemAction[];
  query: readonly QueryTarget[];
}

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway resource path with {placeholders}. */
  path: string;
  /** File name in functions/ (without .ts); it exports `handler`. */
  handler: string;
  /** What the handler does to the table: the stack grants exactly this. */
  table: TableAccess;
  /** Whether it publishes events to the topic. */
  publishes: boolean;
}

/**
 * The deletion paths: the marker (a Put; an Update is the same power and leaves room to rewrite it),
 * the study item, and the study's items in batches.
 */
const DELETES: readonly ItemAction[] = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

export const routes: readonly RouteDef[] = [
  // Warm start reads the source study (Get, Query); priors in batches; a create marker (Put, Delete);
  // the Idempotency-Key claim (Update, Get); a retried create clears an abandoned one's priors.
  { method: 'POST', path: '/studies', handler: 'create-study', table: { items: DELETES, query: ['table'] }, publishes: true },
  // Studies by creation time, from the index alone.
  { method: 'GET', path: '/studies', handler: 'list-studies', table: { items: [], query: ['gsi1'] }, publishes: false },
  // Reading a study times out silent runs lazily and repairs its best, so it updates and publishes.
  { method: 'GET', path: '/studies/{studyId}', handler: 'get-study', table: { items: ['GetItem', 'UpdateItem'], query: ['table'] }, publishes: true },
  { method: 'DELETE', path: '/studies/{studyId}', handler: 'delete-study', table: { items: DELETES, query: ['table'] }, publishes: true },
  // The study (Get); its runs, queue and priors (Query); the run (Put); timeouts and the key's claim (Update).
  { method: 'POST', path: '/studies/{studyId}/runs', handler: 'ask', table: { items: ['GetItem', 'PutItem', 'UpdateItem'], query: ['table'] }, publishes: true },
  { method: 'GET', path: '/studies/{studyId}/runs', handler: 'list-runs', table: { items: ['GetItem'], query: ['table'] }, publishes: false },
  // The run by id (lsi1); the metric (Put); the run's deadline (Update); pruners read the run's curve
  // (table) and every run's value at the step (lsi1); the median pruner counts finished runs (table)
  // until its startup threshold is reached, which it then records on the study (Update).
  {
    method: 'POST',
    path: '/studies/{studyId}/runs/{runId}/metrics',
    handler: 'report-metric',
    table: { items: ['GetItem', 'PutItem', 'UpdateItem'], query: ['table', 'lsi1'] },
    publishes: true,
  },
  // The run by id (lsi1), then updates of the run and of the study's best.
  { method: 'POST', path: '/studies/{studyId}/runs/{runId}/complete', handler: 'complete-run', table: { items: ['GetItem', 'UpdateItem'], query: ['lsi1'] }, publishes: true },
  { method: 'POST', path: '/studies/{studyId}/runs/{runId}/heartbeat', handler: 'heartbeat', table: { items: ['GetItem', 'UpdateItem'], query: ['lsi1'] }, publishes: false },
  // The queue counter (Update) and the entries in batches; a keyed call reads the queue (Query).
  {
    method: 'POST',
    path: '/studies/{studyId}/runs/enqueue',
    handler: 'enqueue',
    table: { items: ['GetItem', 'UpdateItem', 'BatchWriteItem'], query: ['table'] },
    publishes: false,
  },
  { method: 'POST', path: '/studies/{studyId}/stop', handler: 'stop-study', table: { items: ['GetItem', 'UpdateItem'], query: ['table'] }, publishes: true },
  // Export times out silent runs like any read of a study.
  { method: 'GET', path: '/studies/{studyId}/export', handler: 'export-study', table: { items: ['GetItem', 'UpdateItem'], query: ['table'] }, publishes: true },
];

export interface ScheduledDef extends Pick<RouteDef, 'handler' | 'table' | 'publishes'> {
  everyMinutes: number;
}

/** Functions that are not routes: run on a schedule by the stack, by a timer in local mode. */
export const scheduled: readonly ScheduledDef[] = [
  // Overdue runs from gsi1, timed out (Update) with RunTimedOut published; the deletion markers
  // (Query) and the deletions a DELETE or a crashed create left unfinished.
  { handler: 'sweep', everyMinutes: 1, table: { items: DELETES, query: ['table', 'gsi1'] }, publishes: true },
];

/** Whether a handler only reads the table. */
export const readsOnly = (access: TableAccess): boolean => access.items.every((a) => a === 'GetItem');
