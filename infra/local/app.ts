/**
 * Local mode as a library: the embedded DynamoDB engine, the table, the event hub, the HTTP server and
 * the sweeper (timeouts, unfinished deletions), started together and stopped together. `main.ts` (npm start) and the end-to-end
 * tests both use it.
 */
import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { LocalEventHub } from '../../lib/events/local';
import { createDocumentClient, localClientConfig } from '../../lib/store/clients';
import { ensureTable } from '../../lib/store/create-table';
import { DynamoStudyStore } from '../../lib/store/dynamo-store';
import type { TunerDeps } from '../../lib/tuner/deps';
import { sweep } from '../../lib/tuner/sweep';
import { setDeps } from '../../lib/wiring';
import { startEngine } from './engine';
import { SHUTDOWN_GRACE_MS, startLocalServer } from './server';

export const LOCAL_TABLE = 'visutility-tuner-local';

export interface LocalOptions {
  /** Directory for the data; undefined keeps everything in memory. */
  dataDir?: string;
  port?: number;
  apiKey?: string;
  /** Where events are printed, one JSON line each; undefined prints nothing. */
  eventsOut?: Writable;
  sweepEveryMs?: number;
  /** How long close() lets requests in flight finish (default 5 s). */
  shutdownGraceMs?: number;
}

export interface LocalService {
  url: string;
  hub: LocalEventHub;
  deps: TunerDeps;
  /** The HTTP server (for tests and diagnostics). */
  server: Server;
  /**
   * Graceful: stops taking connections, lets requests in flight (and a running sweep) finish, within
   * shutdownGraceMs, and only then closes the database.
   */
  close(): Promise<void>;
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalService> {
  const engine = await startEngine({ path: options.dataDir });
  const { raw, doc } = createDocumentClient(localClientConfig(engine.endpoint));
  const hub = new LocalEventHub({ out: options.eventsOut });
  const deps: TunerDeps = { store: new DynamoStudyStore({ client: doc, tableName: LOCAL_TABLE }), events: hub, clock: Date.now };
  const graceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  try {
    await ensureTable(raw, LOCAL_TABLE);
    server = await startLocalServer({ hub, apiKey: options.apiKey, port: options.port ?? 0, shutdownGraceMs: graceMs });
  } catch (err) {
    // A port in use, say: give the data directory back before failing.
    raw.destroy();
    await engine.close();
    throw err;
  }
  setDeps(deps);
  let sweeping: Promise<unknown> | undefined;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = sweep(deps)
      .catch((err) => console.error(JSON.stringify({ level: 'ERROR', message: 'sweep failed', error: String(err) })))
      .finally(() => (sweeping = undefined));
  }, options.sweepEveryMs ?? 60_000);
  sweeper.unref();
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    hub,
    deps,
    server: server.server,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        await server.close();
        if (sweeping) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([sweeping, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
          clearTimeout(timer);
        }
        raw.destroy();
        await engine.close();
        setDeps(undefined);
      })()),
  };
}
