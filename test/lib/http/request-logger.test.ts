/**
 * Log lines of concurrent requests (local mode serves them in one process): each line carries its own
 * request's ids, not whichever request appended keys last (dynalite; failures injected in the client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../../support/api';
import { failWhile } from '../../support/faults';

describe('request logging under concurrency', () => {
  let api: TestApi;
  const lines: string[] = [];
  const writes = [process.stdout.write, process.stderr.write];
  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    api = await testApi();
    const capture = (original: typeof process.stdout.write) =>
      function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
        // Captured, not echoed: the lines are this test's to read.
        if (typeof chunk === 'string' && chunk.includes('request failed')) return lines.push(chunk) > 0;
        return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      } as typeof process.stdout.write;
    process.stdout.write = capture(writes[0]);
    process.stderr.write = capture(writes[1]);
  });
  afterAll(() => {
    [process.stdout.write, process.stderr.write] = writes;
  });

  it('labels each failed request with its own route and study', async () => {
    const space = { x: { type: 'float', low: 0, high: 1 } };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await api.call('POST', '/studies', { name: `log-${i}`, space })).body.studyId);
    // Every query fails: GET /studies/{id} and GET /studies/{id}/runs both answer 500 and log.
    const heal = failWhile(api.table.raw, (op) => op === 'Query');
    try {
      const answers = await Promise.all(ids.flatMap((id) => [api.call('GET', `/studies/${id}`), api.call('GET', `/studies/${id}/runs`)]));
      expect(answers.every((a) => a.status === 500)).toBe(true);
    } finally {
      heal();
    }
    const logged = lines.map((l) => JSON.parse(l) as { route: string; studyId: string; path: string });
    expect(logged).toHaveLength(8);
    for (const l of logged) {
      expect(l.path).toContain(l.studyId);
      expect(l.route).toBe(l.path.endsWith('/runs') ? 'GET /studies/{studyId}/runs' : 'GET /studies/{studyId}');
    }
  });
});
