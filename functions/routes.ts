/**
 * The route table: the single source of truth for API Gateway (infra/stack.ts) and the local server
 * (infra/local/). Pure data, no imports of handlers, so the CDK app can read it without loading the
 * AWS SDK. `handler` names the file in functions/ whose `handler` export serves the route.
 */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway resource path with {placeholders}. */
  path: string;
  /** File name in functions/ (without .ts); it exports `handler`. */
  handler: string;
  /** What the handler does to the table: the stack grants exactly this. */
  table: 'read' | 'readWrite';
  /** Whether it publishes events to the topic. */
  publishes: boolean;
}

export const routes: readonly RouteDef[] = [
  { method: 'POST', path: '/studies', handler: 'create-study', table: 'readWrite', publishes: true },
  { method: 'GET', path: '/studies', handler: 'list-studies', table: 'read', publishes: false },
  // Reading a study times out silent runs lazily, so it writes and publishes.
  { method: 'GET', path: '/studies/{studyId}', handler: 'get-study', table: 'readWrite', publishes: true },
  { method: 'DELETE', path: '/studies/{studyId}', handler: 'delete-study', table: 'readWrite', publishes: true },
  { method: 'POST', path: '/studies/{studyId}/runs', handler: 'ask', table: 'readWrite', publishes: true },
  { method: 'GET', path: '/studies/{studyId}/runs', handler: 'list-runs', table: 'read', publishes: false },
  { method: 'POST', path: '/studies/{studyId}/runs/{runId}/metrics', handler: 'report-metric', table: 'readWrite', publishes: true },
  { method: 'POST', path: '/studies/{studyId}/runs/{runId}/complete', handler: 'complete-run', table: 'readWrite', publishes: true },
  { method: 'POST', path: '/studies/{studyId}/runs/{runId}/heartbeat', handler: 'heartbeat', table: 'readWrite', publishes: false },
  { method: 'POST', path: '/studies/{studyId}/runs/enqueue', handler: 'enqueue', table: 'readWrite', publishes: false },
  { method: 'POST', path: '/studies/{studyId}/stop', handler: 'stop-study', table: 'readWrite', publishes: true },
  // Export times out silent runs like any read of a study.
  { method: 'GET', path: '/studies/{studyId}/export', handler: 'export-study', table: 'readWrite', publishes: true },
];

export interface ScheduledDef extends Pick<RouteDef, 'handler' | 'table' | 'publishes'> {
  everyMinutes: number;
}

/** Functions that are not routes: run on a schedule by the stack, by a timer in local mode. */
export const scheduled: readonly ScheduledDef[] = [
  // Times out overdue runs (writes) and publishes RunTimedOut; finishes deletions a DELETE left unfinished.
  { handler: 'sweep', everyMinutes: 1, table: 'readWrite', publishes: true },
];
