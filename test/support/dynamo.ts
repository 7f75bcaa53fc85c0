/**
 * Test harness: a real DynamoDB API (dynalite, in memory) per test file, and a fresh table per call,
 * so storage and handler tests exercise conditional writes, pagination and errors for real.
 */
import { afterAll } from 'vitest';
import { startEngine, type Engine } from '../../infra/local/engine';
import { createDocumentClient, localClientConfig } from '../../lib/store/clients';
import { ensureTable } from '../../lib/store/create-table';
import { DynamoStudyStore } from '../../lib/store/dynamo-store';

let engine: Promise<Engine> | undefined;
let tables = 0;

export async function freshTable() {
  engine ??= startEngine();
  const e = await engine;
  const clients = createDocumentClient(localClientConfig(e.endpoint));
  const tableName = `test-${process.pid}-${++tables}`;
  await ensureTable(clients.raw, tableName);
  return { endpoint: e.endpoint, tableName, ...clients, store: new DynamoStudyStore({ client: clients.doc, tableName }) };
}

afterAll(async () => {
  if (engine) await (await engine).close();
  engine = undefined;
});
