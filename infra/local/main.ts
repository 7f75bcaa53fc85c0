/**
 * `npm start`: the whole service on this machine. dynalite (the DynamoDB API) persisted under .tuner/
 * (TUNER_DATA_DIR; --memory for a throwaway one), the table created if missing, the same handlers as
 * Lambda behind http://127.0.0.1:$PORT, events printed as JSON lines and streamed at GET /events, and
 * the timeout sweeper every minute. Ctrl-C stops it cleanly.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalEventHub } from '../../lib/events/local';
import { createDocumentClient, localClientConfig } from '../../lib/store/clients';
import { ensureTable } from '../../lib/store/create-table';
import { DynamoStudyStore } from '../../lib/store/dynamo-store';
import { sweepTimeouts } from '../../lib/tuner/timeouts';
import { setDeps } from '../../lib/wiring';
import { startEngine } from './engine';
import { startLocalServer } from './server';

const TABLE = 'visutility-tuner-local';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      memory: { type: 'boolean', default: false },
      port: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm start [-- --memory] [-- --port N] [-- --quiet]
  --memory   keep data in memory only (nothing written under .tuner/)
  --port N   listen on port N (default $PORT or 3000)
  --quiet    do not print events
env: PORT, TUNER_DATA_DIR (default ./.tuner), TUNER_API_KEY (require this x-api-key)`);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? process.env.PORT}`);

  let path: string | undefined;
  if (!values.memory) {
    path = resolve(process.env.TUNER_DATA_DIR ?? '.tuner');
    mkdirSync(path, { recursive: true });
  }
  const engine = await startEngine({ path });
  const { raw, doc } = createDocumentClient(localClientConfig(engine.endpoint));
  await ensureTable(raw, TABLE);

  const hub = new LocalEventHub({ out: values.quiet ? undefined : process.stdout });
  const deps = { store: new DynamoStudyStore({ client: doc, tableName: TABLE }), events: hub, clock: Date.now };
  setDeps(deps);

  const apiKey = process.env.TUNER_API_KEY || undefined;
  const server = await startLocalServer({ hub, apiKey, port });
  const sweeper = setInterval(() => {
    sweepTimeouts(deps).catch((err) => console.error(JSON.stringify({ level: 'ERROR', message: 'sweep failed', error: String(err) })));
  }, 60_000);
  sweeper.unref();

  const keyHint = apiKey ? ` -H 'x-api-key: $TUNER_API_KEY'` : '';
  console.error(`VisuTility Tuner listening on ${server.url} (data: ${path ?? 'in memory'}${apiKey ? ', x-api-key required' : ''})`);
  console.error(
    `try: curl -s${keyHint} -X POST ${server.url}/studies -H 'content-type: application/json' -d '{"name":"demo","space":{"lr":{"type":"float","low":1e-5,"high":1e-1,"log":true}}}'`,
  );
  console.error(`events: curl -N${keyHint} ${server.url}/events`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: shutting down`);
    clearInterval(sweeper);
    await server.close();
    raw.destroy();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
