/** Request fingerprints: the same body in any key order is the same request; any other body is not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyFingerprint } from '../../../lib/tuner/idempotency';

/** The same value with every object's keys in reverse order (arrays keep theirs). */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)]));
  return v;
}

describe('bodyFingerprint', () => {
  it('is the same for a body whose keys come in another order, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        expect(bodyFingerprint('enqueue', reversedKeys(body))).toBe(bodyFingerprint('enqueue', body));
      }),
    );
    expect(bodyFingerprint('x', { a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(bodyFingerprint('x', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });

  it('differs for another value, another array order, another route, and ignores absent fields', () => {
    const base = { params: [{ x: 1, c: 'a' }, { x: 2, c: 'b' }] };
    const fp = bodyFingerprint('enqueue', base);
    expect(bodyFingerprint('enqueue', { params: [{ x: 1, c: 'a' }, { x: 2, c: 'c' }] })).not.toBe(fp);
    expect(bodyFingerprint('enqueue', { params: [base.params[1], base.params[0]] })).not.toBe(fp);
    expect(bodyFingerprint('create', base)).not.toBe(fp);
    expect(bodyFingerprint('x', { a: 1, b: undefined })).toBe(bodyFingerprint('x', { a: 1 }));
    // "1" and 1 are different bodies; the fingerprint has a fixed length whatever the body's size.
    expect(bodyFingerprint('x', { a: '1' })).not.toBe(bodyFingerprint('x', { a: 1 }));
    expect(bodyFingerprint('x', { a: 'y'.repeat(100_000) })).toHaveLength(bodyFingerprint('x', {}).length);
  });
});
