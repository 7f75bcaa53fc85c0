/**
 * Every malformed request gets a 4xx JSON error with a machine code and a message naming the field;
 * none is a 500, and none writes anything.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from '../support/api';

const ok = { name: 'n', space: { x: { type: 'float', low: 0, high: 1 } } };
const unknownId = '00000000-0000-4000-8000-000000000000';
/** zod's own wording, which must never reach a caller ("Invalid input", "Too small: expected string to have >=1 characters"). */
const ZOD_DEFAULT = /Invalid input|Invalid option|Too small|Too big|Unrecognized key|expected \w+ to (be|have)/;
const cursorOf = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString('base64url');

type Case = [title: string, method: string, path: string, body: unknown, expected: { status: number; code: string; mentions?: string; field?: string }, headers?: Record<string, string>];

describe('bad input (dynalite)', () => {
  let api: TestApi;
  let studyId: string;
  let runId: string;
  let doneRunId: string;
  beforeAll(async () => {
    api = await testApi();
    studyId = (await api.call('POST', '/studies', ok)).body.studyId;
    runId = (await api.call('POST', `/studies/${studyId}/runs`)).body.runId;
    doneRunId = (await api.call('POST', `/studies/${studyId}/runs`)).body.runId;
    await api.call('POST', `/studies/${studyId}/runs/${doneRunId}/complete`, { value: 1 });
  });

  const S = () => `/studies/${studyId}`;
  const R = () => `/studies/${studyId}/runs/${runId}`;
  const cases: (() => Case)[] = [
    () => ['missing name', 'POST', '/studies', { space: ok.space }, { status: 400, code: 'ValidationError', mentions: 'name' }],
    () => ['name of the wrong type', 'POST', '/studies', { ...ok, name: 5 }, { status: 400, code: 'ValidationError', mentions: 'name' }],
    () => ['empty name', 'POST', '/studies', { ...ok, name: '  ' }, { status: 400, code: 'ValidationError', mentions: 'name' }],
    () => ['missing space', 'POST', '/studies', { name: 'n' }, { status: 400, code: 'ValidationError', mentions: 'space' }],
    () => ['empty space', 'POST', '/studies', { name: 'n', space: {} }, { status: 400, code: 'ValidationError', mentions: 'space' }],
    () => ['low >= high', 'POST', '/studies', { name: 'n', space: { x: { type: 'float', low: 1, high: 1 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.low' }],
    () => ['log with low <= 0', 'POST', '/studies', { name: 'n', space: { x: { type: 'float', low: 0, high: 1, log: true } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.low' }],
    () => ['step with log', 'POST', '/studies', { name: 'n', space: { x: { type: 'float', low: 1, high: 10, log: true, step: 1 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.step' }],
    () => ['step that does not fit the range', 'POST', '/studies', { name: 'n', space: { x: { type: 'float', low: 0, high: 1, step: 0.3 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.step' }],
    () => ['an int step that divides the range only to 1e-9', 'POST', '/studies', { name: 'n', space: { x: { type: 'int', low: 0, high: 2000000001, step: 2 } } }, { status: 400, code: 'ValidationError', field: 'space.x.step' }],
    () => ['int with a fractional bound', 'POST', '/studies', { name: 'n', space: { x: { type: 'int', low: 0.5, high: 3 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.low' }],
    () => ['unknown param type', 'POST', '/studies', { name: 'n', space: { x: { type: 'double', low: 0, high: 1 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x' }],
    () => ['duplicate choices', 'POST', '/studies', { name: 'n', space: { c: { type: 'categorical', choices: ['a', 'a'] } } }, { status: 400, code: 'ValidationError', mentions: 'space.c.choices' }],
    () => ['no choices', 'POST', '/studies', { name: 'n', space: { c: { type: 'categorical', choices: [] } } }, { status: 400, code: 'ValidationError', mentions: 'space.c.choices' }],
    () => ['too many params', 'POST', '/studies', { name: 'n', space: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, ok.space.x])) }, { status: 400, code: 'ValidationError', mentions: 'space' }],
    () => ['bad param name', 'POST', '/studies', { name: 'n', space: { 'has space': ok.space.x } }, { status: 400, code: 'ValidationError', mentions: 'space.has space' }],
    () => ['unknown top-level field', 'POST', '/studies', { ...ok, colour: 'red' }, { status: 400, code: 'ValidationError', mentions: 'colour' }],
    () => ['unknown field in a param', 'POST', '/studies', { name: 'n', space: { x: { ...ok.space.x, scale: 2 } } }, { status: 400, code: 'ValidationError', mentions: 'scale' }],
    () => ['bad direction', 'POST', '/studies', { ...ok, direction: 'down' }, { status: 400, code: 'ValidationError', mentions: 'direction' }],
    () => ['unknown strategy', 'POST', '/studies', { ...ok, strategy: { name: 'hillclimb' } }, { status: 400, code: 'StrategyNotAvailable', mentions: 'strategy.name' }],
    () => ['strategy given as a bare name', 'POST', '/studies', { ...ok, strategy: 'tpe' }, { status: 400, code: 'ValidationError', mentions: 'strategy: must be an object { name' }],
    () => ['pruner given as a bare name', 'POST', '/studies', { ...ok, pruner: 'median' }, { status: 400, code: 'ValidationError', mentions: 'pruner: must be an object { name' }],
    () => ['unknown strategy option', 'POST', '/studies', { ...ok, strategy: { name: 'random', speed: 3 } }, { status: 400, code: 'ValidationError', mentions: 'strategy' }],
    () => ['grid over a continuous float', 'POST', '/studies', { ...ok, strategy: { name: 'grid' } }, { status: 400, code: 'ValidationError', mentions: 'space.x' }],
    () => ['grid over an int range too wide to list', 'POST', '/studies', { name: 'n', space: { x: { type: 'int', low: 0, high: 2 ** 53 - 1 } }, strategy: { name: 'grid' } }, { status: 400, code: 'ValidationError', mentions: 'the grid has' }],
    () => ['a TPE option too small to store', 'POST', '/studies', { ...ok, strategy: { name: 'tpe', gamma: 1e-200 } }, { status: 400, code: 'ValidationError', field: 'strategy.gamma' }],
    () => ['negative seed', 'POST', '/studies', { ...ok, strategy: { name: 'random', seed: -1 } }, { status: 400, code: 'ValidationError', mentions: 'strategy.seed' }],
    () => ['unknown pruner', 'POST', '/studies', { ...ok, pruner: { name: 'guillotine' } }, { status: 400, code: 'PrunerNotAvailable', mentions: 'pruner.name' }],
    () => ['maxRuns zero', 'POST', '/studies', { ...ok, maxRuns: 0 }, { status: 400, code: 'ValidationError', mentions: 'maxRuns' }],
    () => ['maxRuns fractional', 'POST', '/studies', { ...ok, maxRuns: 2.5 }, { status: 400, code: 'ValidationError', mentions: 'maxRuns' }],
    () => ['metricTimeoutSeconds as a string', 'POST', '/studies', { ...ok, metricTimeoutSeconds: '60' }, { status: 400, code: 'ValidationError', mentions: 'metricTimeoutSeconds' }],
    () => ['warm start from an unknown study', 'POST', '/studies', { ...ok, warmStartFrom: { studyId: unknownId } }, { status: 400, code: 'ValidationError', mentions: 'warmStartFrom.studyId' }],
    () => ['warm start from an export with a bad run value', 'POST', '/studies', { ...ok, warmStartFrom: { runs: [{ params: { x: 0.5 }, value: 1 }, { params: { x: 0.2 }, value: 'low' }] } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom.runs.1.value' }],
    () => ['warm start from an export whose runs is not a list', 'POST', '/studies', { ...ok, warmStartFrom: { runs: 'all of them' } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom.runs' }],
    () => ['warm start from both a study and an export', 'POST', '/studies', { ...ok, warmStartFrom: { studyId, runs: [{ params: { x: 0.5 }, value: 1 }] } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom' }],
    () => ['warm start of a maximizing study from a minimizing one', 'POST', '/studies', { ...ok, direction: 'maximize', warmStartFrom: { studyId } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom.studyId', mentions: 'would teach this study the opposite' }],
    () => ['warm start of a minimizing study from a maximizing export', 'POST', '/studies', { ...ok, warmStartFrom: { study: { direction: 'maximize' }, runs: [{ params: { x: 0.5 }, value: 1 }] } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom.study.direction', mentions: 'would teach this study the opposite' }],
    () => ['warm start from an export with a bad direction', 'POST', '/studies', { ...ok, warmStartFrom: { study: { direction: 'down' }, runs: [] } }, { status: 400, code: 'ValidationError', field: 'warmStartFrom.study.direction' }],
    () => ['warm start from neither a study nor an export', 'POST', '/studies', { ...ok, warmStartFrom: {} }, { status: 400, code: 'ValidationError', field: 'warmStartFrom' }],
    // JSON.parse keeps a "__proto__" key as an own property, which zod drops without a word: refused anywhere.
    () => ['a param named __proto__', 'POST', '/studies', '{"name": "n", "space": {"__proto__": {"type": "float", "low": 0, "high": 1}, "y": {"type": "float", "low": 0, "high": 1}}}', { status: 400, code: 'ValidationError', field: 'space.__proto__', mentions: 'space.__proto__: is not an allowed name' }],
    () => ['a __proto__ strategy option', 'POST', '/studies', '{"name": "n", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "strategy": {"name": "tpe", "__proto__": {"gamma": 0.5}}}', { status: 400, code: 'ValidationError', field: 'strategy.__proto__' }],
    () => ['a __proto__ pruner option', 'POST', '/studies', '{"name": "n", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "pruner": {"name": "median", "__proto__": {}}}', { status: 400, code: 'ValidationError', field: 'pruner.__proto__' }],
    () => ['a __proto__ param of a warm-start run', 'POST', '/studies', '{"name": "n", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "warmStartFrom": {"runs": [{"params": {"x": 0.5}, "value": 1}, {"params": {"x": 0.5, "__proto__": 1}, "value": 2}]}}', { status: 400, code: 'ValidationError', field: 'warmStartFrom.runs.1.params.__proto__' }],
    () => ['a top-level __proto__ field', 'POST', '/studies', '{"name": "n", "space": {"x": {"type": "float", "low": 0, "high": 1}}, "__proto__": {"maxRuns": 1}}', { status: 400, code: 'ValidationError', field: '__proto__' }],
    () => ['enqueued params with a __proto__ key', 'POST', `${S()}/runs/enqueue`, '{"params": {"x": 0.5, "__proto__": {"x": 0.7}}}', { status: 400, code: 'ValidationError', field: 'params.__proto__' }],
    () => ['an enqueued list with a __proto__ key', 'POST', `${S()}/runs/enqueue`, '{"params": [{"x": 0.5}, {"x": 0.5, "__proto__": 0}]}', { status: 400, code: 'ValidationError', field: 'params.1.__proto__' }],
    () => ['an ask with a __proto__ key', 'POST', `${S()}/runs`, '{"__proto__": {"workerId": "w"}}', { status: 400, code: 'ValidationError', field: '__proto__' }],
    // Every message in our words, naming the field and what it allows.
    () => ['ask with an empty workerId', 'POST', `${S()}/runs`, { workerId: '' }, { status: 400, code: 'ValidationError', mentions: 'workerId: must not be empty' }],
    () => ['a null categorical choice', 'POST', '/studies', { name: 'n', space: { c: { type: 'categorical', choices: [null] } } }, { status: 400, code: 'ValidationError', mentions: 'space.c.choices.0: a choice must be a string of at most 256 characters, a number or a boolean' }],
    () => ['an object categorical choice', 'POST', '/studies', { name: 'n', space: { c: { type: 'categorical', choices: ['a', { b: 1 }] } } }, { status: 400, code: 'ValidationError', mentions: 'space.c.choices.1: a choice must be' }],
    () => ['fractional gridPoints', 'POST', '/studies', { ...ok, strategy: { name: 'grid', gridPoints: 1.5 } }, { status: 400, code: 'ValidationError', mentions: 'strategy.gridPoints: must be an integer from 2 to 10000' }],
    () => ['too many gridPoints', 'POST', '/studies', { ...ok, strategy: { name: 'grid', gridPoints: 20000 } }, { status: 400, code: 'ValidationError', mentions: 'strategy.gridPoints: must be an integer from 2 to 10000' }],
    () => ['an int bound of 1e20', 'POST', '/studies', { name: 'n', space: { x: { type: 'int', low: 0, high: 1e20 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.high: must be an integer from -9007199254740991 to 9007199254740991' }],
    () => ['a param named constructor', 'POST', '/studies', { name: 'n', space: { constructor: ok.space.x } }, { status: 400, code: 'ValidationError', mentions: 'space.constructor: is a reserved name' }],
    () => ['maxRuns of 1e20', 'POST', '/studies', { ...ok, maxRuns: 1e20 }, { status: 400, code: 'ValidationError', mentions: 'maxRuns: must be an integer from 1 to 1000000' }],
    () => ['a TPE option of the wrong type', 'POST', '/studies', { ...ok, strategy: { name: 'tpe', gamma: 'high' } }, { status: 400, code: 'ValidationError', mentions: 'strategy.gamma: must be a number' }],
    () => ['a TPE int option of 1e20', 'POST', '/studies', { ...ok, strategy: { name: 'tpe', nStartup: 1e20 } }, { status: 400, code: 'ValidationError', mentions: 'strategy.nStartup: must be an integer from 0 to 10000' }],
    () => ['a strategy name too long', 'POST', '/studies', { ...ok, strategy: { name: 'x'.repeat(65) } }, { status: 400, code: 'ValidationError', field: 'strategy.name' }],
    () => ['a warm-start run with a null param', 'POST', '/studies', { ...ok, warmStartFrom: { runs: [{ params: { x: null }, value: 1 }] } }, { status: 400, code: 'ValidationError', mentions: 'warmStartFrom.runs.0.params.x: must be a string, a number or a boolean' }],
    () => ['limit in exponent form', 'GET', '/studies?limit=1e2', undefined, { status: 400, code: 'ValidationError', mentions: 'limit: must be a whole number from 1 to 1000' }],
    () => ['limit in hex', 'GET', `${S()}/runs?limit=0x10`, undefined, { status: 400, code: 'ValidationError', mentions: 'limit: must be a whole number from 1 to 1000' }],
    () => ['limit zero', 'GET', '/studies?limit=0', undefined, { status: 400, code: 'ValidationError', mentions: 'limit: must be a whole number from 1 to 1000' }],
    () => ['a query parameter on a study read', 'GET', `${S()}?verbose=1`, undefined, { status: 400, code: 'ValidationError', field: 'verbose' }],
    () => ['a query parameter on a stop', 'POST', `${S()}/stop?force=1`, {}, { status: 400, code: 'ValidationError', field: 'force' }],
    () => ['invalid JSON', 'POST', '/studies', '{"name": "n",', { status: 400, code: 'InvalidJson' }],
    () => ['a JSON array body', 'POST', '/studies', '[1,2]', { status: 400, code: 'ValidationError', mentions: 'body' }],
    () => ['a huge body', 'POST', '/studies', { ...ok, name: 'x'.repeat(70_000) }, { status: 413, code: 'PayloadTooLarge' }],
    () => ['a non-JSON content type', 'POST', '/studies', 'name=n', { status: 415, code: 'UnsupportedMediaType' }, { 'content-type': 'application/x-www-form-urlencoded' }],
    () => ['NaN as a metric value', 'POST', `${R()}/metrics`, '{"step": 1, "value": NaN}', { status: 400, code: 'InvalidJson' }],
    () => ['an overflowing metric value', 'POST', `${R()}/metrics`, '{"step": 1, "value": 1e999}', { status: 400, code: 'ValidationError', mentions: 'value' }],
    () => ['a metric value below the storable magnitude', 'POST', `${R()}/metrics`, '{"step": 1, "value": 1e-200}', { status: 400, code: 'ValidationError', mentions: 'value' }],
    () => ['a space bound below the storable magnitude', 'POST', '/studies', { name: 'n', space: { x: { type: 'float', low: 1e-300, high: 1 } } }, { status: 400, code: 'ValidationError', mentions: 'space.x.low' }],
    () => ['enqueued params below the storable magnitude', 'POST', `${S()}/runs/enqueue`, { params: { x: 1e-200 } }, { status: 400, code: 'ValidationError', mentions: 'params.x' }],
    () => ['metric without a step', 'POST', `${R()}/metrics`, { value: 1 }, { status: 400, code: 'ValidationError', mentions: 'step' }],
    () => ['negative step', 'POST', `${R()}/metrics`, { value: 1, step: -1 }, { status: 400, code: 'ValidationError', mentions: 'step' }],
    () => ['fractional step', 'POST', `${R()}/metrics`, { value: 1, step: 1.5 }, { status: 400, code: 'ValidationError', mentions: 'step' }],
    () => ['complete with a string value', 'POST', `${R()}/complete`, { value: '0.5' }, { status: 400, code: 'ValidationError', field: 'value' }],
    () => ['complete with an empty body', 'POST', `${R()}/complete`, {}, { status: 400, code: 'ValidationError', field: 'value' }],
    () => ['complete with an unknown status', 'POST', `${R()}/complete`, { status: 'exploded' }, { status: 400, code: 'ValidationError', field: 'status' }],
    () => ['complete as failed with a numeric reason', 'POST', `${R()}/complete`, { status: 'failed', reason: 3 }, { status: 400, code: 'ValidationError', field: 'reason' }],
    () => ['complete as failed with a value', 'POST', `${R()}/complete`, { status: 'failed', value: 1 }, { status: 400, code: 'ValidationError', mentions: 'unknown field: value' }],
    () => ['ask with an unknown field', 'POST', `${S()}/runs`, { gpu: 2 }, { status: 400, code: 'ValidationError', mentions: 'gpu' }],
    () => ['ask with a malformed Idempotency-Key', 'POST', `${S()}/runs`, {}, { status: 400, code: 'ValidationError', mentions: 'Idempotency-Key' }, { 'idempotency-key': 'has spaces in it' }],
    () => ['create with a malformed Idempotency-Key', 'POST', '/studies', { name: 'k', space: { x: { type: 'float', low: 0, high: 1 } } }, { status: 400, code: 'ValidationError', mentions: 'Idempotency-Key' }, { 'idempotency-key': 'a/b' }],
    () => ['enqueue with a malformed Idempotency-Key', 'POST', `${S()}/runs/enqueue`, { params: { x: 0.5 } }, { status: 400, code: 'ValidationError', mentions: 'Idempotency-Key' }, { 'idempotency-key': 'x'.repeat(129) }],
    () => ['ask on an unknown study', 'POST', `/studies/${unknownId}/runs`, {}, { status: 404, code: 'StudyNotFound' }],
    () => ['get an unknown study', 'GET', `/studies/${unknownId}`, undefined, { status: 404, code: 'StudyNotFound' }],
    () => ['a malformed study id', 'GET', '/studies/not%20an%20id', undefined, { status: 400, code: 'ValidationError', mentions: 'studyId' }],
    () => ['metric for an unknown run', 'POST', `${S()}/runs/${unknownId}/metrics`, { step: 1, value: 1 }, { status: 404, code: 'RunNotFound' }],
    () => ['metric for a completed run', 'POST', `${S()}/runs/${doneRunId}/metrics`, { step: 1, value: 1 }, { status: 409, code: 'RunNotRunning' }],
    () => ['limit above 1000', 'GET', '/studies?limit=5000', undefined, { status: 400, code: 'ValidationError', mentions: 'limit' }],
    () => ['limit not a number', 'GET', `${S()}/runs?limit=ten`, undefined, { status: 400, code: 'ValidationError', mentions: 'limit' }],
    () => ['a forged cursor', 'GET', `${S()}/runs?cursor=${Buffer.from('{"pk":"STUDY#other","sk":"RUN#0"}').toString('base64url')}`, undefined, { status: 400, code: 'ValidationError', mentions: 'cursor' }],
    () => ['a hand-made studies cursor with an empty key', 'GET', `/studies?cursor=${cursorOf({ pk: '', sk: '#STUDY', gsi1pk: 'STUDIES', gsi1sk: 'a' })}`, undefined, { status: 400, code: 'ValidationError', field: 'cursor' }],
    () => ['a hand-made studies cursor with an empty index key', 'GET', `/studies?cursor=${cursorOf({ pk: `STUDY#${studyId}`, sk: '#STUDY', gsi1pk: 'STUDIES', gsi1sk: '' })}`, undefined, { status: 400, code: 'ValidationError', field: 'cursor' }],
    () => ['a hand-made studies cursor of another shape', 'GET', `/studies?cursor=${cursorOf({ pk: 'STUDY#x', sk: '#STUDY', gsi1pk: 'STUDIES', gsi1sk: '2026-01-01T00:00:00.000Z#y' })}`, undefined, { status: 400, code: 'ValidationError', field: 'cursor' }],
    () => ['a hand-made studies cursor over the key size', 'GET', `/studies?cursor=${cursorOf({ pk: `STUDY#${studyId}`, sk: '#STUDY', gsi1pk: 'STUDIES', gsi1sk: 'é'.repeat(600) })}`, undefined, { status: 400, code: 'ValidationError', field: 'cursor' }],
    () => ['a hand-made runs cursor without a run number', 'GET', `${S()}/runs?cursor=${cursorOf({ pk: `STUDY#${studyId}`, sk: 'RUN#' })}`, undefined, { status: 400, code: 'ValidationError', field: 'cursor' }],
    () => ['garbage cursor', 'GET', '/studies?cursor=%%%', undefined, { status: 400, code: 'ValidationError', mentions: 'cursor' }],
    () => ['unknown query parameter', 'GET', '/studies?sort=name', undefined, { status: 400, code: 'ValidationError', mentions: 'sort' }],
    () => ['enqueue a list with an entry that is not an object', 'POST', `${S()}/runs/enqueue`, { params: [{ x: 0.5 }, 0.7] }, { status: 400, code: 'ValidationError', field: 'params.1' }],
    () => ['enqueue a list over the cap', 'POST', `${S()}/runs/enqueue`, { params: Array.from({ length: 101 }, () => ({ x: 0.5 })) }, { status: 400, code: 'ValidationError', mentions: 'params: at most 100 entries per call (got 101)' }],
    () => ['enqueue an empty list', 'POST', `${S()}/runs/enqueue`, { params: [] }, { status: 400, code: 'ValidationError', mentions: 'params: needs at least one entry' }],
    () => ['enqueue params that are neither', 'POST', `${S()}/runs/enqueue`, { params: 'x=1' }, { status: 400, code: 'ValidationError', mentions: 'params: must be a params object or a list of 1-100 of them' }],
    () => ['enqueue params outside the space', 'POST', `${S()}/runs/enqueue`, { params: { x: 7 } }, { status: 400, code: 'ValidationError', mentions: 'params.x' }],
    () => ['enqueue params naming an unknown param', 'POST', `${S()}/runs/enqueue`, { params: { x: 0.5, y: 1 } }, { status: 400, code: 'ValidationError', mentions: 'params.y' }],
  ];

  it(`answers each of ${cases.length} malformed requests with a 4xx JSON error naming the field, and writes nothing`, async () => {
    const before = await api.deps.store.listStudies(1000);
    const runsBefore = await api.deps.store.loadRuns(studyId);
    const eventsBefore = api.events.events.length;
    for (const make of cases) {
      const [title, method, path, body, expected, headers] = make();
      const r = await api.call(method, path, body, headers);
      expect(r.status, title).toBe(expected.status);
      expect(r.body?.error?.code, title).toBe(expected.code);
      expect(typeof r.body.error.message, title).toBe('string');
      if (expected.mentions) expect(JSON.stringify(r.body.error), title).toContain(expected.mentions);
      if (expected.field) expect(r.body.error.details.issues.map((i: { path: string }) => i.path), title).toContain(expected.field);
      for (const m of [r.body.error.message, ...(r.body.error.details?.issues ?? []).map((i: { message: string }) => i.message)]) expect(m, title).not.toMatch(ZOD_DEFAULT);
    }
    expect((await api.deps.store.listStudies(1000)).items).toHaveLength(before.items.length);
    const runsAfter = await api.deps.store.loadRuns(studyId);
    expect(runsAfter).toEqual(runsBefore);
    expect(await api.deps.store.loadQueue(studyId)).toEqual([]);
    expect(api.events.events.length).toBe(eventsBefore);
  });
});
