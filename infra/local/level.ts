/**
 * What local mode needs to fix or check in the LevelDB layer under dynalite, taken from dynalite's own
 * dependency tree (dynalite → level → classic-level → abstract-level, and memory-level for --memory) so
 * that the classes patched here are the very ones dynalite uses, however npm lays out node_modules.
 * None of this edits node_modules: CI installs with `npm ci`.
 *
 * 1. Iterators closed by `return()`. dynalite 4.0.0 turns level iterators into streams and, when a
 *    stream is destroyed (every Query and Scan, at its end or at its Limit), calls `iterator.return()`
 *    if there is one. abstract-level 3 iterators have no `return` (they close with `close()`), so every
 *    Query/Scan left an open LevelDB iterator behind: each pins the table files and memtables it started
 *    on, and LevelDB can never delete them after compaction. Under load that grew a 1 MB data dir to
 *    600 MB and the server to 1.9 GB. Giving the iterators a `return()` that calls `close()` makes
 *    dynalite's own cleanup work. (`return` is not part of how abstract-level iterates: its
 *    `for await` goes through `[Symbol.asyncIterator]`, a separate generator with its own `return`.)
 *
 * 2. Storage errors as answers. dynalite ends every action with `if (err && err.statusCode) answer it;
 *    if (err) throw err`, inside a callback: a LevelDB error (disk full, I/O error) became an uncaught
 *    exception that killed the server. Errors that leave the LevelDB layer are given a statusCode and a
 *    DynamoDB `InternalServerError` body, so dynalite answers them like any DynamoDB error, through
 *    its normal path (locks released, the request answered); the SDK then sees a 500 InternalServerError,
 *    which the handlers answer as 503 ServiceUnavailable, and everything else keeps being served.
 *
 * 3. The data directory checked before dynalite opens it: dynalite opens LevelDB lazily and swallows the
 *    error, so a locked or unwritable directory only showed up as "Database is closed" on the first
 *    request. `openDataDir` opens it once itself and explains what went wrong in one line.
 */
import { createRequire } from 'node:module';

type Proto = Record<string | symbol, any>;

const requireHere = createRequire(import.meta.url);
const fromDynalite = createRequire(requireHere.resolve('dynalite'));
const fromLevel = createRequire(fromDynalite.resolve('level'));
const fromClassicLevel = createRequire(fromLevel.resolve('classic-level'));
const fromMemoryLevel = createRequire(fromDynalite.resolve('memory-level'));

/** The LevelDB class dynalite opens a data directory with (classic-level's ClassicLevel). */
export const Level: new (location: string, options?: object) => LevelDb = fromDynalite('level').Level;
/** classic-level's own iterator (the one holding a native LevelDB iterator). */
export const ClassicIterator: { prototype: Proto } = fromClassicLevel('./iterator.js').Iterator;

export interface LevelDb {
  location: string;
  status: string;
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The abstract-level module(s) dynalite's stores are built on: one, unless npm nested a second copy. */
function abstractLevels(): any[] {
  return [...new Set([fromClassicLevel('abstract-level'), fromMemoryLevel('abstract-level')])];
}

const kStorageError = Symbol.for('visutility.localStorageError');
let installed = false;

/** Installs the fixes described above, once per process. Must run before dynalite creates its store. */
export function installLevelFixes(): void {
  if (installed) return;
  installed = true;
  for (const abstract of abstractLevels()) {
    // AbstractIterator, AbstractKeyIterator (what db.keys() returns) and AbstractValueIterator (db.values())
    // share one internal base class, which has close(): that is where return() goes.
    const bases = new Set<Proto>(
      [abstract.AbstractIterator, abstract.AbstractKeyIterator, abstract.AbstractValueIterator].map((c) => Object.getPrototypeOf(c.prototype)),
    );
    for (const base of bases) {
      if (typeof base.close !== 'function') throw new Error('abstract-level iterators have no close(): local/level.ts needs updating');
      if (typeof base.return !== 'function') {
        Object.defineProperty(base, 'return', {
          configurable: true,
          writable: true,
          value: function (this: { close(): Promise<void> }) {
            return this.close();
          },
        });
      }
      for (const method of ['next', 'nextv', 'all']) wrapStorageErrors(base, method);
    }
    const db: Proto = abstract.AbstractLevel.prototype;
    for (const method of ['get', 'getMany', 'put', 'del', 'batch', 'clear', 'has', 'hasMany']) wrapStorageErrors(db, method);
  }
}

/** Errors dynalite must keep seeing as they are: it handles them itself. */
const PASS_THROUGH = new Set(['LEVEL_DATABASE_NOT_OPEN', 'LEVEL_NOT_FOUND', 'LEVEL_ITERATOR_NOT_OPEN']);

function wrapStorageErrors(proto: Proto, method: string): void {
  const original = proto[method];
  if (typeof original !== 'function' || original[kStorageError]) return;
  const wrapped = function (this: any, ...args: unknown[]) {
    const result = original.apply(this, args);
    // batch() without arguments returns a chained batch, not a promise.
    if (result === null || typeof result !== 'object' || typeof result.then !== 'function') return result;
    return (result as Promise<unknown>).catch((err: unknown) => {
      throw asStorageError(err, this?.location ?? this?.db?.location);
    });
  };
  (wrapped as any)[kStorageError] = true;
  proto[method] = wrapped;
}

/** The error with what dynalite needs to answer it as DynamoDB's InternalServerError (HTTP 500). */
function asStorageError(err: unknown, location: string | undefined): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: string; statusCode?: number; body?: unknown };
  if (e.statusCode !== undefined || (e.code && PASS_THROUGH.has(e.code))) return err;
  e.statusCode = 500;
  e.body = {
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: `storage error${location ? ` in ${location}` : ''}: ${e.message}`,
  };
  return err;
}

/** A data directory local mode cannot use, with a message that says why in one line. */
export class DataDirError extends Error {
  constructor(
    message: string,
    readonly dataDir: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DataDirError';
  }
}

const FILE_SYSTEM_ERRORS = new Set(['EIO', 'EDQUOT', 'EFBIG', 'ENOENT', 'EMFILE', 'ENFILE', 'ENOTDIR', 'EISDIR']);

/**
 * One line saying what an error from LevelDB or the file system means for the data directory, or
 * undefined when it does not look like one (a bug rather than the disk).
 */
export function explainStorageError(err: unknown, dataDir: string): string | undefined {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const code = (cause as { code?: string })?.code ?? (err as { code?: string })?.code;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (code === 'LEVEL_LOCKED' || /\bLOCK\b.*(already held|temporarily unavailable)/i.test(detail)) {
    return `the data directory ${dataDir} is in use by another process (another \`npm start\`?): stop it, or give this one another TUNER_DATA_DIR or --memory (${detail})`;
  }
  if (code === 'ENOSPC' || /No space left on device/i.test(detail)) {
    return `no space left on the disk of the data directory ${dataDir}: free some space and start again (${detail})`;
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || /Permission denied|Read-only file system|Operation not permitted/i.test(detail)) {
    return `the data directory ${dataDir} is not writable: give write access to it, or choose another TUNER_DATA_DIR (${detail})`;
  }
  if (code === 'LEVEL_CORRUPTION' || /Corruption/i.test(detail)) {
    return `the database in ${dataDir} is damaged: move it aside and start again, or use another TUNER_DATA_DIR (${detail})`;
  }
  if ((code && (code.startsWith('LEVEL_') || FILE_SYSTEM_ERRORS.has(code))) || /IO error|Database is (closed|not open)/i.test(detail)) {
    return `the database in ${dataDir} failed: ${detail}`;
  }
  return undefined;
}

/**
 * Opens the LevelDB database at `dataDir` and closes it again, so that what keeps dynalite from using it
 * (another process holding its lock, no write access, a full disk, damage) is reported before dynalite
 * opens it itself and hides the reason. Between this close and dynalite's open another process could
 * still take the lock; that leaves only two processes started within the same few milliseconds unexplained.
 */
export async function checkDataDir(dataDir: string): Promise<void> {
  const db = new Level(dataDir);
  try {
    await db.open();
  } catch (err) {
    throw new DataDirError(explainStorageError(err, dataDir) ?? `cannot use the data directory ${dataDir}: ${(err as Error)?.message ?? err}`, dataDir, { cause: err });
  }
  await db.close();
}
