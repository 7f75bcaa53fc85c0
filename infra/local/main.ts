/**
 * `npm start`: the whole service on this machine. dynalite (the DynamoDB API) persisted under .tuner/
 * (TUNER_DATA_DIR; --memory for a throwaway one), the same handlers as Lambda behind
 * http://127.0.0.1:$PORT, events printed as JSON lines and streamed at GET /events, and the timeout
 * sweeper every minute. Ctrl-C (or SIGTERM) stops it gracefully: no new connections, requests in flight
 * finish (for up to 5 s), then the database is closed, and it exits 0.
 *
 * `npm start` runs this file as `exec node --import tsx infra/local/main.ts`: one process under npm, which
 * gets the signals npm forwards. The `tsx` CLI would put a wrapper process in between, and without
 * `exec` the shell npm runs scripts with (dash on Debian) would stay in between and die of a SIGTERM
 * alone, leaving this process running with the port and the data directory's lock.
 */
import { startLocal } from './app';
import { SHUTDOWN_GRACE_MS } from './server';
import { explainStorageError } from './level';
import { parseMainOptions, USAGE } from './options';

let dataDir: string | undefined;

async function main(): Promise<void> {
  const options = parseMainOptions(process.argv.slice(2));
  if (options.help) return console.log(USAGE);
  dataDir = options.dataDir;
  const { port, apiKey } = options;
  const service = await startLocal({ dataDir, port, apiKey, eventsOut: options.quiet ? undefined : process.stdout });

  const keyHint = apiKey ? ` -H "x-api-key: $TUNER_API_KEY"` : '';
  console.error(`VisuTility Tuner listening on ${service.url} (data: ${dataDir ?? 'in memory'}${apiKey ? '; x-api-key required' : ''})`);
  console.error(
    `try: curl -s${keyHint} -X POST ${service.url}/studies -H 'content-type: application/json' -d '{"name":"demo","space":{"lr":{"type":"float","low":1e-5,"high":0.1,"log":true}}}'`,
  );
  console.error(`events: curl -N${keyHint} ${service.url}/events`);

  let stopping = false;
  const stop = async (signal: string) => {
    // A terminal's Ctrl-C reaches both npm and this process, and npm forwards it as well: a repeat is
    // expected and changes nothing. The wait is bounded anyway.
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: shutting down (requests in flight get up to ${SHUTDOWN_GRACE_MS / 1000} s to finish)`);
    const hardStop = setTimeout(() => {
      console.error('shutdown is taking too long: exiting without closing the database cleanly (nothing acknowledged is lost)');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 10_000);
    hardStop.unref();
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
  // A DataDirError (in use by another process, not writable, disk full) or a UsageError says it all in
  // its one line.
  console.error(`npm start failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
