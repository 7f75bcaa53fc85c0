/**
 * One environment of the service: table, event topic, one function per route (plus the scheduled
 * sweeper), the REST API, and alarms. Everything it needs to know comes from `config` (infra/constructs/config.ts)
 * and the route table (functions/routes.ts), so adding a route is one line there.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { routes, scheduled, type QueryTarget, type RouteDef, type TableAccess } from '../functions/routes';
import { ENV, TABLE_KEYS } from '../lib/store/table';
import type { TunerConfig } from './constructs/config';
import { Alarms } from './constructs/alarms';
import { TunerApi } from './constructs/api';
import { Events } from './constructs/events';
import { TunerFunction } from './constructs/function';
import { acknowledgeApi, acknowledgeFunctionGrants } from './constructs/nag';
import { TunerTable } from './constructs/table';

export interface TunerStackProps extends StackProps {
  readonly config: TunerConfig;
}

/** What a function does with the table and the topic; the stack grants exactly this. */
type Access = Pick<RouteDef, 'table' | 'publishes'>;


/** Strategies (TPE) are CPU-bound: ask gets more memory (in Lambda, also more CPU); the idle sweeper needs little. */
const MEMORY_MIB: Record<string, number> = { ask: 1024, sweep: 256 };

/**
 * Exactly the DynamoDB calls of a route (functions/routes.ts): its item actions on the table, Query on
 * the table and on the indexes it names. Not grantReadData/grantReadWriteData, which add Scan,
 * BatchGetItem, DeleteItem and the like, on every index.
 */
export function grantTable(role: IGrantable, table: Table, access: TableAccess): void {
  const statements: PolicyStatement[] = [];
  if (access.items.length > 0) {
    statements.push(new PolicyStatement({ actions: access.items.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
  }
  if (access.query.length > 0) {
    const arnOf = (target: QueryTarget) => (target === 'table' ? table.tableArn : `${table.tableArn}/index/${TABLE_KEYS[target].indexName}`);
    statements.push(new PolicyStatement({ actions: ['dynamodb:Query'], resources: access.query.map(arnOf) }));
  }
  for (const statement of statements) role.grantPrincipal.addToPrincipalPolicy(statement);
}

export class TunerStack extends Stack {
  readonly functions = new Map<string, TunerFunction>();
  readonly table: TunerTable;
  readonly events: Events;
  readonly api: TunerApi;
  readonly alarms?: Alarms;

  constructor(scope: Construct, id: string, props: TunerStackProps) {
    super(scope, id, { description: `VisuTility Tuner (${props.config.envName})`, ...props });
    const { config } = props;
    const prefix = `visutility-tuner-${config.envName}`;

    this.table = new TunerTable(this, 'Store', { tableName: prefix, persistent: config.persistent, deletionProtection: config.deletionProtection });
    this.events = new Events(this, 'Events', { namePrefix: prefix, subscriptions: config.subscriptions });

    const makeFunction = (handler: string, access: Access, timeoutSec?: number) => {
      const environment: Record<string, string> = {
        [ENV.tableName]: this.table.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'visutility-tuner',
        POWERTOOLS_METRICS_NAMESPACE: 'VisuTilityTuner',
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      };
      // Only publishers learn the topic: without TOPIC_ARN a function logs events instead of sending them.
      if (access.publishes) environment[ENV.topicArn] = this.events.topic.topicArn;
      const f = new TunerFunction(this, `Fn-${handler}`, {
        handler,
        functionName: `${prefix}-${handler}`,
        environment,
        memoryMiB: MEMORY_MIB[handler],
        timeoutSec,
        persistent: config.persistent,
      });
      grantTable(f.fn, this.table.table, access.table);
      if (access.publishes) this.events.topic.grantPublish(f.fn);
      acknowledgeFunctionGrants(f.role, access.publishes);
      this.functions.set(handler, f);
      return f;
    };

    for (const route of routes) {
      if (!this.functions.has(route.handler)) makeFunction(route.handler, route);
    }
    for (const job of scheduled) {
      const access: Access = { table: job.table, publishes: job.publishes };
      // A sweep must finish before the next one starts.
      const f = makeFunction(job.handler, access, Math.min(50, job.everyMinutes * 60 - 10));
      const every = Duration.minutes(job.everyMinutes);
      // The next run redoes whatever a failed one left, so nothing is retried: retries would only run
      // beside the next scheduled run. Two retry layers: Lambda's own for an invocation that ends in an
      // error (sweep.ts throws when a part failed, so its errors alarm sees it; Lambda's default is 2
      // retries), and EventBridge's for an event it could not hand to Lambda at all (throttled, say).
      f.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: every });
      new Rule(this, `Schedule-${job.handler}`, {
        ruleName: `${prefix}-${job.handler}`,
        description: `Runs ${job.handler} every ${job.everyMinutes} minute(s)`,
        schedule: Schedule.rate(every),
        targets: [new LambdaFunction(f.fn, { retryAttempts: 0, maxEventAge: every })],
      });
    }

    const fns = new Map<string, IFunction>([...this.functions].map(([name, f]) => [name, f.fn]));
    this.api = new TunerApi(this, 'Http', {
      namePrefix: prefix,
      routes,
      functions: fns,
      throttle: config.throttle,
      quota: config.quota,
      persistent: config.persistent,
      cloudWatchRole: config.apiGatewayCloudWatchRole,
    });
    if (config.alarms) {
      this.alarms = new Alarms(this, 'Alarms', { namePrefix: prefix, api: this.api.api, functions: fns, table: this.table.table, alarmEmail: config.alarmEmail });
    }

    acknowledgeApi(this.api.api);

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the API (send the key in x-api-key)', value: this.api.api.url });
    new CfnOutput(this, 'ApiKeyId', { description: 'Id of the API key', value: this.api.apiKey.keyId });
    new CfnOutput(this, 'ApiKeyValueCommand', {
      description: 'Prints the API key value',
      value: `aws apigateway get-api-key --api-key ${this.api.apiKey.keyId} --include-value --query value --output text`,
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'EventTopicArn', { description: 'Subscribe here for lifecycle events', value: this.events.topic.topicArn });
    new CfnOutput(this, 'BestImprovedQueueUrl', { description: 'Example subscriber: BestImproved events', value: this.events.bestImprovedQueue.queueUrl });
    new CfnOutput(this, 'BestImprovedDlqUrl', { description: 'Dead-letter queue of the example subscriber', value: this.events.bestImprovedDlq.queueUrl });
    if (this.alarms?.topic) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
