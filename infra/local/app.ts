/**
 * Local mode as a library: the embedded DynamoDB engine, the table, the event hub, the HTTP server and
 * the sweeper (timeouts, unfinished deletions), started together and stopped together. `main.ts` (npm start) and the end-to-end
 * tests both use it.
 */
import type { Writable } from 'node:stream';
import { LocalEventHub } from '../../lib/events/local';
import { createDocumentClient, localClientConfig } from '../../lib/store/clients';
import { ensureTable } from '../../lib/store/create-table';
import { DynamoStudyStore } from '../../lib/store/dynamo-store';
import type { TunerDeps } from '../../lib/tuner/deps';
import { sweep } from '../../lib/tuner/sweep';
import { setDeps } from '../../lib/wiring';
import { startEngine } from './engine';
import { startLocalServer } from './server';

export const LOCAL_TABLE = 'visutility-tuner-local';

export interface LocalOptions {
  /** Directory for the data; undefined keeps everything in memory. */
  dataDir?: string;
  port?: number;
  apiKey?: string;
  /** Where events are printed, one JSON line each; undefined prints nothing. */
  eventsOut?: Writable;
  sweepEveryMs?: number;
}

export interface LocalService {
  url: string;
  hub: LocalEventHub;
  deps: TunerDeps;
  close(): Promise<void>;
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalService> {
  const engine = await startEngine({ path: options.dataDir });
  const { raw, doc } = createDocumentClient(localClientConfig(engine.endpoint));
  await ensureTable(raw, LOCAL_TABLE);
  const hub = new LocalEventHub({ out: options.eventsOut });
  const deps: TunerDeps = { store: new DynamoStudyStore({ client: doc, tableName: LOCAL_TABLE }), events: hub, clock: Date.now };
  setDeps(deps);
  const server = await startLocalServer({ hub, apiKey: options.apiKey, port: options.port ?? 0 });
  const sweeper = setInterval(() => {
    sweep(deps).catch((err) => console.error(JSON.stringify({ level: 'ERROR', message: 'sweep failed', error: String(err) })));
  }, options.sweepEveryMs ?? 60_000);
  sweeper.unref();
  return {
    url: server.url,
    hub,
    deps,
    async close() {
      clearInterval(sweeper);
      await server.close();
      raw.destroy();
      await engine.close();
      setDeps(undefined);
    },
  };
}
