/** `npm start`'s command line and environment, read into local mode's options (kept apart from main.ts to be testable). */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm start [-- --memory] [-- --port N] [-- --quiet]
  --memory   keep data in memory only (nothing written under .tuner/)
  --port N   listen on port N (default $PORT or 3000)
  --quiet    do not print events
env: PORT, TUNER_DATA_DIR (default ./.tuner), TUNER_API_KEY (require this x-api-key); an empty one counts as unset`;

export interface MainOptions {
  help: boolean;
  /** Absolute; undefined keeps the data in memory. */
  dataDir: string | undefined;
  port: number;
  apiKey: string | undefined;
  quiet: boolean;
}

export class UsageError extends Error {}

/**
 * An empty variable (`TUNER_DATA_DIR=` or `PORT=` left over in a shell or an .env file) counts as unset,
 * as for TUNER_API_KEY: an empty data directory would otherwise resolve to the current directory and put
 * the database files among the user's own.
 */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function parseMainOptions(args: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MainOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        memory: { type: 'boolean', default: false },
        port: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const rawPort = values.port ?? fromEnv(env, 'PORT') ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new UsageError(`invalid port "${rawPort}": give a number from 0 to 65535`);
  return {
    help: values.help,
    dataDir: values.memory ? undefined : resolve(cwd, fromEnv(env, 'TUNER_DATA_DIR') ?? '.tuner'),
    port,
    apiKey: env.TUNER_API_KEY || undefined,
    quiet: values.quiet,
  };
}
