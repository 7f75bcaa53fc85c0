/**
 * `npm start`: the whole service on this machine. dynalite (the DynamoDB API) persisted under .tuner/
 * (TUNER_DATA_DIR; --memory for a throwaway one), the same handlers as Lambda behind
 * http://127.0.0.1:$PORT, events printed as JSON lines and streamed at GET /events, and the timeout
 * sweeper every minute. Ctrl-C (or SIGTERM) stops it cleanly.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocal } from './app';
import { explainStorageError } from './level';

const USAGE = `usage: npm start [-- --memory] [-- --port N] [-- --quiet]
  --memory   keep data in memory only (nothing written under .tuner/)
  --port N   listen on port N (default $PORT or 3000)
  --quiet    do not print events
env: PORT, TUNER_DATA_DIR (default ./.tuner), TUNER_API_KEY (require this x-api-key)`;

let dataDir: string | undefined;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      memory: { type: 'boolean', default: false },
      port: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const rawPort = values.port ?? process.env.PORT ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`invalid port "${rawPort}": give a number from 0 to 65535`);

  dataDir = values.memory ? undefined : resolve(process.env.TUNER_DATA_DIR ?? '.tuner');
  const apiKey = process.env.TUNER_API_KEY || undefined;
  const service = await startLocal({ dataDir, port, apiKey, eventsOut: values.quiet ? undefined : process.stdout });

  const keyHint = apiKey ? ` -H "x-api-key: $TUNER_API_KEY"` : '';
  console.error(`VisuTility Tuner listening on ${service.url} (data: ${dataDir ?? 'in memory'}${apiKey ? '; x-api-key required' : ''})`);
  console.error(
    `try: curl -s${keyHint} -X POST ${service.url}/studies -H 'content-type: application/json' -d '{"name":"demo","space":{"lr":{"type":"float","low":1e-5,"high":0.1,"log":true}}}'`,
  );
  console.error(`events: curl -N${keyHint} ${service.url}/events`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: shutting down`);
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

// What escapes every handler (a storage failure dynalite could not answer, a bug) leaves the process in a
// state nobody knows: say what happened, and where the data is, in one line, and exit non-zero.
process.on('uncaughtException', (err) => {
  const storage = dataDir ? explainStorageError(err, dataDir) : undefined;
  console.error(`npm start: fatal error, stopping (data: ${dataDir ?? 'in memory'}): ${storage ?? (err instanceof Error ? err.message : String(err))}`);
  // A storage failure is said in full above; anything else is a bug, whose stack is wanted.
  if (!storage && err instanceof Error) console.error(err.stack);
  process.exit(1);
});

main().catch((err) => {
  // A DataDirError (in use by another process, not writable, disk full) says so in its one line.
  console.error(`npm start failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
