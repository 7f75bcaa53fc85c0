/**
 * The one test that really bundles: a handler built by the stack's own function construct (esbuild,
 * ESM with the require banner, AWS SDK external), then loaded by plain Node and invoked against
 * dynalite. If the bundle cannot load in Lambda's way, this fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, TunerFunction } from '../../infra/constructs/function';
import { toProxyEvent } from '../../infra/local/proxy-event';
import { freshTable } from '../support/dynamo';

const run = promisify(execFile);
// Inside the project so the bundle resolves the AWS SDK from node_modules, as Lambda's runtime provides it.
mkdirSync(join(PROJECT_ROOT, 'cdk.out'), { recursive: true });
const outdir = mkdtempSync(join(PROJECT_ROOT, 'cdk.out', 'test-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a bundled handler', () => {
  let bundle: string;
  beforeAll(() => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    new TunerFunction(stack, 'Fn', { handler: 'create-study', functionName: 'bundle-test', environment: {}, persistent: false });
    app.synth();
    // The function is the only asset of this app.
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    bundle = join(outdir, assets[0], 'index.mjs');
  });

  it('is one minified ESM file with a source map, the AWS SDK left to the runtime and zod bundled', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
    expect(code).not.toMatch(/from\s*"zod"|from\s*"uuid"|from\s*"@aws-lambda-powertools/);
    expect(code.startsWith("import { createRequire as __tunerCreateRequire } from 'node:module';")).toBe(true);
    // Minified: nearly everything sits on one long line (the rest are newlines inside string literals).
    expect(Math.max(...code.split('\n').map((l) => l.length))).toBeGreaterThan(code.length / 2);
  });

  it('loads in plain Node, exports handler, and creates a study in DynamoDB', async () => {
    const table = await freshTable();
    const event = toProxyEvent({
      method: 'POST',
      url: new URL('http://localhost/studies'),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bundled', space: { lr: { type: 'float', low: 0.001, high: 0.1, log: true } } }),
      resource: '/studies',
      pathParameters: {},
    });
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const res = await m.handler(JSON.parse(process.env.TEST_EVENT));
      process.stdout.write(JSON.stringify({ exportType: typeof m.handler, res }));
    `;
    const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        TEST_EVENT: JSON.stringify(event),
        TABLE_NAME: table.tableName,
        DYNAMODB_ENDPOINT: table.endpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    const out = JSON.parse(stdout.slice(stdout.indexOf('{"exportType"')));
    expect(out.exportType).toBe('function');
    expect(out.res.statusCode).toBe(201);
    const studyId = JSON.parse(out.res.body).studyId as string;
    expect(await table.store.getStudy(studyId)).toMatchObject({ studyId, name: 'bundled' });
  });
});
