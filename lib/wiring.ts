/**
 * Builds the real adapters once per container (SDK clients at module scope, reused across invocations)
 * and hands them to the use cases. Local mode and tests inject their own with `setDeps`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventPublisher } from './events/publisher';
import { SnsPublisher } from './events/sns';
import { createDocumentClient } from './store/clients';
import { DynamoStudyStore } from './store/dynamo-store';
import { ENV } from './store/table';
import type { TunerDeps } from './tuner/deps';

let deps: TunerDeps | undefined;
let logger: Logger | undefined;
let metrics: Metrics | null | undefined;

export function getLogger(): Logger {
  logger ??= new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'visutility-tuner' });
  return logger;
}

/**
 * CloudWatch metrics (embedded metric format on stdout), in Lambda only: local mode and tests have no
 * CloudWatch to read them, and the lines would drown the event log.
 */
export function getMetrics(): Metrics | undefined {
  if (metrics === undefined) {
    metrics = process.env.AWS_LAMBDA_FUNCTION_NAME
      ? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'VisuTilityTuner', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'visutility-tuner' })
      : null;
  }
  return metrics ?? undefined;
}

/** Adapters from the environment the stack sets: TABLE_NAME, TOPIC_ARN (and DYNAMODB_ENDPOINT locally). */
export function buildDeps(env: NodeJS.ProcessEnv = process.env): TunerDeps {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const { doc } = createDocumentClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {});
  const topicArn = env[ENV.topicArn];
  const log = getLogger();
  const events: EventPublisher = topicArn
    ? new SnsPublisher({ topicArn, clientConfig: {} })
    : { publish: async (evs) => evs.forEach((e) => log.info('event', { event: e })) };
  return {
    store: new DynamoStudyStore({ client: doc, tableName }),
    events,
    clock: Date.now,
    logger: { error: (message, extra) => log.error(message, extra ?? {}) },
  };
}

export function getDeps(): TunerDeps {
  deps ??= buildDeps();
  return deps;
}

/** For local mode and tests: use these adapters instead of the environment's. */
export function setDeps(next: TunerDeps | undefined): void {
  deps = next;
}
