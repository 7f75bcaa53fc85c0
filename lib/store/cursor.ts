/**
 * Opaque pagination cursors: base64url JSON of DynamoDB's LastEvaluatedKey, checked on the way back in
 * so a cursor from another study or a hand-made one is a 400, never a DynamoDB error.
 */
import { ValidationError } from '../errors';

type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, expectedKeys: readonly string[], check: (key: Key) => boolean): Key | undefined {
  if (cursor === undefined) return undefined;
  const bad = () => new ValidationError('is not a cursor this list returned (pass nextCursor back unchanged)', 'cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad();
  const obj = parsed as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  if (keys.length !== expectedKeys.length || ![...expectedKeys].sort().every((k, i) => keys[i] === k)) throw bad();
  // DynamoDB refuses (a 500 here) an empty key or one past its size limit: 2048 bytes of UTF-8 for a
  // partition key, 1024 for a sort key. Ours are far shorter; 1024 for all holds both.
  if (!keys.every((k) => typeof obj[k] === 'string' && obj[k] !== '' && Buffer.byteLength(obj[k] as string, 'utf8') <= 1024)) throw bad();
  if (!check(obj as Key)) throw bad();
  return obj as Key;
}
