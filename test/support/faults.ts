/**
 * DynamoDB failures injected through the real client's middleware (the one thing here that stands in
 * for AWS): a call fails before the table sees it ('before': a throttle, a request that died), or after
 * the table applied it ('after': the answer lost on the way back), as an error the SDK's own retries
 * did not absorb. Or the answer of its first attempt is lost inside the SDK's retry loop ('retried': a
 * socket timeout), so the SDK sends the very same request again and the caller sees only the second
 * attempt's answer: a conditional write then meets its own first write. dynalite and the client stay real.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type Fate = 'pass' | 'before' | 'after' | 'retried';
/** `op` is the DynamoDB operation ('PutItem', 'UpdateItem', ...), `input` its (document client) input. */
export type CallMatcher = (op: string, input: Record<string, any>) => boolean;

let installed = 0;
/** Set on a call's middleware context (shared by its attempts) whose first attempt's answer is to be lost. */
const LOSE_FIRST_ANSWER = Symbol('loseFirstAnswer');

/** Decides the fate of every call of `client` until the returned function removes the injector. */
export function injectFailures(client: DynamoDBClient, fateOf: (op: string, input: Record<string, any>) => Fate): () => void {
  const name = `injectFailures-${++installed}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fate = fateOf((context.commandName ?? '').replace(/Command$/, ''), args.input as Record<string, any>);
      if (fate === 'pass') return next(args);
      if (fate === 'retried') {
        (context as Record<symbol, boolean>)[LOSE_FIRST_ANSWER] = true;
        return next(args);
      }
      if (fate === 'before') throw new Error('injected crash');
      await next(args);
      throw new Error('injected: answer lost');
    },
    { step: 'initialize', name },
  );
  // Inside the retry loop: runs once per attempt.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const ctx = context as Record<symbol, boolean>;
      if (!ctx[LOSE_FIRST_ANSWER]) return next(args);
      ctx[LOSE_FIRST_ANSWER] = false;
      await next(args);
      throw Object.assign(new Error('injected: socket timed out, the SDK retries'), { name: 'TimeoutError', $metadata: {} });
    },
    { step: 'deserialize', name: `${name}-attempt` },
  );
  return () => {
    client.middlewareStack.remove(name);
    client.middlewareStack.remove(`${name}-attempt`);
  };
}

/** Fails the next call that `matches`, once (`fate` 'before' or 'after' the table, or 'retried' by the SDK). */
export function failNext(client: DynamoDBClient, matches: CallMatcher, fate: Exclude<Fate, 'pass'> = 'before'): void {
  let done = false;
  const remove = injectFailures(client, (op, input) => {
    if (done || !matches(op, input)) return 'pass';
    done = true;
    remove();
    return fate;
  });
}

/** Fails every call that `matches` until the returned function is called. */
export function failWhile(client: DynamoDBClient, matches: CallMatcher): () => void {
  return injectFailures(client, (op, input) => (matches(op, input) ? 'before' : 'pass'));
}

/** Runs `other` (another request) just before the next call that `matches` goes out: an interleaving, not a failure. */
export function interleaveBefore(client: DynamoDBClient, matches: CallMatcher, other: () => Promise<unknown>): void {
  const name = `interleaveBefore-${++installed}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!matches((context.commandName ?? '').replace(/Command$/, ''), args.input as Record<string, any>)) return next(args);
      client.middlewareStack.remove(name);
      await other();
      return next(args);
    },
    { step: 'initialize', name },
  );
}
