import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toTunerError, zodIssues } from '../../../lib/http/errors';

const source = z.union([z.strictObject({ id: z.string() }), z.looseObject({ items: z.array(z.object({ n: z.number({ error: 'must be a number' }) })) })], {
  error: 'must be { id } or { items }',
});
const body = z.strictObject({ from: source });
const issuesOf = (input: unknown) => zodIssues((body.safeParse(input) as { error: z.ZodError }).error);

describe('zodIssues on a union no option accepts', () => {
  it('reports the issues of the option that got furthest into the value, at their full path', () => {
    expect(issuesOf({ from: { items: [{ n: 1 }, { n: 'two' }] } })).toEqual([{ path: 'from.items.1.n', message: 'must be a number' }]);
  });

  it("keeps the union's own message when two options got equally far", () => {
    expect(issuesOf({ from: { id: 5 } })).toEqual([{ path: 'from', message: 'must be { id } or { items }' }]);
    expect(issuesOf({ from: {} })).toEqual([{ path: 'from', message: 'must be { id } or { items }' }]);
  });

  it('keeps it when the value is not even an object', () => {
    expect(issuesOf({ from: 'x' })).toEqual([{ path: 'from', message: 'must be { id } or { items }' }]);
  });

  it('opens nested unions the same way', () => {
    const nested = z.object({ outer: z.union([z.number(), z.object({ inner: source })]) });
    const r = nested.safeParse({ outer: { inner: { items: [{ n: null }] } } });
    expect(zodIssues((r as { error: z.ZodError }).error, 'body')).toEqual([{ path: 'body.outer.inner.items.0.n', message: 'must be a number' }]);
  });
});

describe('toTunerError on errors from AWS', () => {
  const named = (name: string) => Object.assign(new Error(name), { name });

  it('answers throttling 503 with a Retry-After, so clients back off and retry', () => {
    expect(toTunerError(named('ProvisionedThroughputExceededException'))).toMatchObject({ status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 1 });
  });

  it("answers a study that filled DynamoDB's 10 GB per study with a 409 that says what to do, not a 5xx a client would retry", () => {
    const e = toTunerError(named('ItemCollectionSizeLimitExceededException'));
    expect(e).toMatchObject({ status: 409, code: 'StudyTooLarge' });
    expect(e.message).toMatch(/new study/);
  });

  it('answers anything else 500 without its internals', () => {
    expect(toTunerError(named('ValidationException'))).toMatchObject({ status: 500, code: 'InternalError', message: 'internal error' });
  });
});
