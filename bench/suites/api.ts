/**
 * Service latency: ask / metric / complete through the real handlers (API Gateway events → use cases →
 * dynalite over loopback), at several history sizes, and ask throughput with 16 and 64 concurrent trainers.
 * dynalite is slower than DynamoDB for big queries (see PLATFORM-NOTES), so these are upper bounds.
 */
import { startEngine } from '../../infra/local/engine';
import { loadHandler, toProxyEvent } from '../../infra/local/proxy-event';
import { matchRoute } from '../../infra/local/router';
import { MemoryPublisher } from '../../lib/events/publisher';
import { createDocumentClient, localClientConfig } from '../../lib/store/clients';
import { ensureTable } from '../../lib/store/create-table';
import { DynamoStudyStore } from '../../lib/store/dynamo-store';
import { setDeps } from '../../lib/wiring';

export const name = 'api';

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(path, 'http://localhost');
  const match = matchRoute(method, url.pathname);
  if (match.kind !== 'route') throw new Error(`no route ${method} ${path}`);
  const handler = await loadHandler(match.route.handler);
  const res = await handler(
    toProxyEvent({ method, url, headers: { 'content-type': 'application/json' }, body: body === undefined ? '' : JSON.stringify(body), resource: match.route.path, pathParameters: match.pathParameters }),
  );
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const space = {
  lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
  wd: { type: 'float', low: 1e-6, high: 1e-2, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  momentum: { type: 'float', low: 0.8, high: 0.99 },
  layers: { type: 'int', low: 1, high: 8 },
  width: { type: 'int', low: 32, high: 1024, log: true },
  batch: { type: 'int', low: 16, high: 256, step: 16 },
  warmup: { type: 'int', low: 0, high: 1000, step: 100 },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  act: { type: 'categorical', choices: ['relu', 'gelu', 'tanh'] },
};

export async function run(opts: { quick?: boolean } = {}): Promise<string> {
  const engine = await startEngine();
  const { raw, doc } = createDocumentClient(localClientConfig(engine.endpoint));
  await ensureTable(raw, 'bench');
  setDeps({ store: new DynamoStudyStore({ client: doc, tableName: 'bench' }), events: new MemoryPublisher(), clock: Date.now });
  const sizes = opts.quick ? [0, 100] : [0, 100, 1000];
  const strategies = ['random', 'auto'];
  const rows: string[] = [];
  try {
    for (const strategy of strategies) {
      for (const size of sizes) {
        const study = await call('POST', '/studies', { name: `bench-${strategy}-${size}`, space, strategy: { name: strategy, seed: 1 } });
        if (study.status !== 201) {
          rows.push(`| ${strategy} | ${size} | n/a: ${study.body.error.code} | | | |`);
          continue;
        }
        const id = study.body.studyId;
        for (let i = 0; i < size; i++) {
          const r = await call('POST', `/studies/${id}/runs`);
          await call('POST', `/studies/${id}/runs/${r.body.runId}/complete`, { value: Math.random() });
        }
        const ask: number[] = [], metric: number[] = [], complete: number[] = [];
        const n = opts.quick ? 10 : 30;
        for (let i = 0; i < n; i++) {
          let t = performance.now();
          const r = await call('POST', `/studies/${id}/runs`);
          ask.push(performance.now() - t);
          t = performance.now();
          await call('POST', `/studies/${id}/runs/${r.body.runId}/metrics`, { step: 1, value: 1 });
          metric.push(performance.now() - t);
          t = performance.now();
          await call('POST', `/studies/${id}/runs/${r.body.runId}/complete`, { value: Math.random() });
          complete.push(performance.now() - t);
        }
        const f = (x: number) => x.toFixed(1);
        rows.push(`| ${strategy} | ${size} | ${f(quantile(ask, 0.5))} / ${f(quantile(ask, 0.95))} | ${f(quantile(metric, 0.5))} | ${f(quantile(complete, 0.5))} |`);
      }
    }
    // Throughput under contention: many trainers asking at once on one study (a cluster starting up).
    // Every ask that loses a run number catches up and tries again, so the work per run handed out
    // grows with the number of askers: these rows show where that starts to cost.
    // A burst (every trainer asks once, at the same moment: a cluster starting up), then 16 trainers
    // asking back to back with no training in between (a stress case: real trainers train between asks).
    const contention: string[] = [];
    for (const [trainers, perTrainer] of [[16, 1], [64, 1], [128, 1], [16, opts.quick ? 5 : 10]]) {
      const study = await call('POST', '/studies', { name: `bench-contention-${trainers}`, space, strategy: { name: 'random', seed: 2 } });
      const latencies: number[] = [];
      let refused = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: trainers }, async () => {
          for (let i = 0; i < perTrainer; i++) {
            const s0 = performance.now();
            if ((await call('POST', `/studies/${study.body.studyId}/runs`)).status !== 201) refused++;
            latencies.push(performance.now() - s0);
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      const f = (x: number) => x.toFixed(0);
      contention.push(`| ${trainers} × ${perTrainer} | ${f((trainers * perTrainer) / secs)} | ${f(quantile(latencies, 0.5))} / ${f(quantile(latencies, 0.95))} | ${refused} |`);
    }
    return [
      '## Service latency (handlers → use cases → dynalite, one process)',
      '',
      '| strategy | completed runs in history | ask p50 / p95 ms | metric p50 ms | complete p50 ms |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      'Trainers asking at once on one study (all in this one process, sharing its event loop with dynalite):',
      '',
      '| trainers × asks each | asks/s | ask p50 / p95 ms | refused (429) |',
      '| --- | ---: | ---: | ---: |',
      ...contention,
      '',
    ].join('\n');
  } finally {
    setDeps(undefined);
    raw.destroy();
    await engine.close();
  }
}
