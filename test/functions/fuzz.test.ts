/**
 * Fuzzing the contract: whatever a client sends, the answer is JSON with a 2xx or a 4xx carrying an
 * error code: never a 500, never a crash (fast-check, against dynalite).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../support/api';

const validStudy = {
  name: 'fuzz',
  space: {
    lr: { type: 'float', low: 1e-5, high: 1, log: true },
    n: { type: 'int', low: 1, high: 9, step: 2 },
    c: { type: 'categorical', choices: ['a', 1, true] },
  },
};

const ZOD_DEFAULT = /Invalid input|Invalid option|Too small|Too big|Unrecognized key|expected \w+ to (be|have)/;

/** A valid body with one field replaced by arbitrary JSON, at any depth. */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]) => {
    paths.push(path);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, k]);
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue()).map(([path, value]) => {
    const copy = structuredClone(base) as Record<string, unknown>;
    let at: Record<string, unknown> = copy;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
    at[path[path.length - 1]] = value;
    return copy;
  });
}

describe('fuzzing the HTTP contract (dynalite)', () => {
  let api: TestApi;
  let studyId: string;
  let runId: string;
  beforeAll(async () => {
    api = await testApi();
    studyId = (await api.call('POST', '/studies', validStudy)).body.studyId;
    runId = (await api.call('POST', `/studies/${studyId}/runs`)).body.runId;
  });

  const wellFormed = (r: { status: number; body: any }) => {
    expect(r.status).toBeLessThan(500);
    if (r.status >= 400) {
      expect(typeof r.body.error.code).toBe('string');
      expect(typeof r.body.error.message).toBe('string');
      // Our words, not zod's defaults ("Invalid input", "Too small: expected string to have >=1 characters").
      for (const m of [r.body.error.message, ...(r.body.error.details?.issues ?? []).map((i: { message: string }) => i.message)]) expect(m).not.toMatch(ZOD_DEFAULT);
    }
  };

  it('answers arbitrary JSON bodies on every write route with a 2xx or a coded 4xx', async () => {
    const routes = () => [
      '/studies',
      `/studies/${studyId}/runs`,
      `/studies/${studyId}/runs/enqueue`,
      `/studies/${studyId}/runs/${runId}/metrics`,
      `/studies/${studyId}/runs/${runId}/heartbeat`,
      `/studies/${studyId}/stop`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes()), fc.jsonValue(), async (path, body) => {
        wellFormed(await api.call('POST', path, JSON.stringify(body)));
      }),
      { numRuns: 150, seed: 20261124 },
    );
  });

  it('answers study bodies with one field replaced by anything with a 201 or a coded 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(validStudy), async (body) => {
        const r = await api.call('POST', '/studies', body);
        wellFormed(r);
        if (r.status === 201) expect(r.body.studyId).toBeTypeOf('string');
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('answers any double, however large or small, as a metric, a final value, a bound or a choice with a 2xx or a coded 4xx', async () => {
    // jsonValue() rarely draws numbers past 2^53 or below 1e-130; these are where storage has limits.
    const anyDouble = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2 ** 53, -(2 ** 60), 1e21, 1e126, 1e-130, 1e-131, -0));
    await fc.assert(
      fc.asyncProperty(anyDouble, async (v) => {
        const run = (await api.call('POST', `/studies/${studyId}/runs`)).body.runId;
        wellFormed(await api.call('POST', `/studies/${studyId}/runs/${run}/metrics`, { step: 1, value: v }));
        wellFormed(await api.call('POST', `/studies/${studyId}/runs/${run}/complete`, { value: v }));
        wellFormed(await api.call('POST', '/studies', { name: 'n', space: { x: { type: 'float', low: Math.min(v, 0), high: Math.max(v, 0) + 1 } } }));
        wellFormed(await api.call('POST', '/studies', { name: 'n', space: { c: { type: 'categorical', choices: [v, 'other'] } } }));
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('answers arbitrary strings as bodies and query strings with a coded 4xx or a 2xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.string({ maxLength: 40 }), async (raw, q) => {
        wellFormed(await api.call('POST', '/studies', raw));
        wellFormed(await api.call('GET', `/studies?limit=${encodeURIComponent(q)}&cursor=${encodeURIComponent(q)}`));
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
