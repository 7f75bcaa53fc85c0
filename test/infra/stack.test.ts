import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readsOnly, routes, scheduled, type TableAccess } from '../../functions/routes';
import { ENV, TABLE_KEYS } from '../../lib/store/table';
import type { TunerStack } from '../../infra/stack';
import { logicalIdOf, resourcesOf, templateOf } from './fixture';

/** Every DynamoDB data-plane action that changes the table. */
const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'];

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: unknown;
}

/** Names what a statement's resource refers to, so policies compare as words instead of intrinsics. */
function resourceLabels(stack: TunerStack, fnName: string, resource: unknown): string[] {
  const table = logicalIdOf(stack, 'Store/Table');
  const topic = logicalIdOf(stack, 'Events/Topic');
  const logs = logicalIdOf(stack, `Fn-${fnName}/Logs`);
  const one = (r: any): string => {
    const s = JSON.stringify(r);
    if (s === JSON.stringify({ 'Fn::GetAtt': [table, 'Arn'] })) return 'table';
    const index = /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["([^"]+)","Arn"\]\},"\/index\/([^"]+)"\]\]\}$/.exec(s);
    if (index && index[1] === table) return `index:${index[2]}`;
    if (s === JSON.stringify({ Ref: topic })) return 'topic';
    if (s === JSON.stringify({ 'Fn::GetAtt': [logs, 'Arn'] })) return 'own-log-group';
    if (s.includes(':key/*')) return 'kms-key';
    return `other:${s}`;
  };
  return (Array.isArray(resource) ? resource : [resource]).map(one);
}

/** Every statement of every policy attached to the function's role, with labelled resources. */
function policyOf(template: Template, stack: TunerStack, fnName: string) {
  const resources = resourcesOf(template);
  const role = logicalIdOf(stack, `Fn-${fnName}/Role`);
  const statements: { actions: string[]; resources: string[]; condition?: unknown }[] = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    if (!r.Properties?.Roles?.some((x: unknown) => JSON.stringify(x) === JSON.stringify({ Ref: role }))) continue;
    for (const s of r.Properties.PolicyDocument.Statement as Statement[]) {
      expect(s.Effect).toBe('Allow');
      statements.push({ actions: [s.Action].flat(), resources: resourceLabels(stack, fnName, s.Resource), condition: s.Condition });
    }
  }
  // DynamoDB grants as action@resource pairs, however the statements were merged.
  const dynamo = new Set(statements.flatMap((s) => s.actions.filter((a) => a.startsWith('dynamodb:')).flatMap((a) => s.resources.map((r) => `${a.slice(9)}@${r}`))));
  return { statements, actions: new Set(statements.flatMap((s) => s.actions)), dynamo, role: resources[role] };
}

/** What functions/routes.ts declares for a handler, as action@resource pairs. */
function declaredGrants(access: TableAccess): Set<string> {
  return new Set([...access.items.map((a) => `${a}@table`), ...access.query.map((q) => (q === 'table' ? 'Query@table' : `Query@index:${q}`))]);
}

const handlers = [...new Set([...routes.map((r) => r.handler), ...scheduled.map((s) => s.handler)])];

describe('the dev stack', () => {
  let template: Template;
  let stack: TunerStack;
  beforeAll(() => {
    ({ template, stack } = templateOf({ env: 'dev' }));
  });

  it('builds the table from lib/store/table.ts: pk/sk, lsi1, gsi1, TTL, on demand, point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'visutility-tuner-dev',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: TABLE_KEYS.lsi1.sortKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.gsi1.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.gsi1.sortKey, AttributeType: 'S' },
      ]),
      LocalSecondaryIndexes: [
        {
          IndexName: TABLE_KEYS.lsi1.indexName,
          KeySchema: [
            { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_KEYS.lsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE_KEYS.gsi1.indexName,
          KeySchema: [
            { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('destroys the table, the log groups and the queues with a dev stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    const resources = resourcesOf(template);
    for (const handler of handlers) {
      const logs = resources[logicalIdOf(stack, `Fn-${handler}/Logs`)];
      expect(logs, handler).toMatchObject({ DeletionPolicy: 'Delete', Properties: { LogGroupName: `/aws/lambda/visutility-tuner-dev-${handler}`, RetentionInDays: 30 } });
    }
    for (const r of Object.values(resources)) if (r.Type === 'AWS::SQS::Queue') expect(r.DeletionPolicy).toBe('Delete');
  });

  it('requires an API key on every method and routes each to the function named in routes.ts', () => {
    const resources = resourcesOf(template);
    for (const route of routes) {
      const method = resources[logicalIdOf(stack, `Http/Api/Default${route.path}/${route.method}`)];
      expect(method?.Type, `${route.method} ${route.path}`).toBe('AWS::ApiGateway::Method');
      expect(method.Properties).toMatchObject({ HttpMethod: route.method, ApiKeyRequired: true, AuthorizationType: 'NONE' });
      expect(method.Properties?.RequestValidatorId).toBeDefined();
      const fn = logicalIdOf(stack, `Fn-${route.handler}/Function`);
      expect(JSON.stringify(method.Properties?.Integration.Uri), `${route.method} ${route.path}`).toContain(`"${fn}","Arn"`);
      expect(method.Properties?.Integration.Type).toBe('AWS_PROXY');
    }
    // And no method anywhere (other routes, OPTIONS) escapes the key.
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type === 'AWS::ApiGateway::Method') expect(r.Properties?.ApiKeyRequired, id).toBe(true);
    }
  });

  it('declares the path parameters of each route as required, for the request validator', () => {
    const resources = resourcesOf(template);
    const runs = resources[logicalIdOf(stack, 'Http/Api/Default/studies/{studyId}/runs/{runId}/complete/POST')];
    expect(runs.Properties?.RequestParameters).toEqual({ 'method.request.path.studyId': true, 'method.request.path.runId': true });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestParameters: true, ValidateRequestBody: true });
  });

  it('answers in the service\'s error envelope what API Gateway answers itself (no key, no route, throttled, too large, other 4xx/5xx)', () => {
    const responses = Object.values(resourcesOf(template)).filter((r) => r.Type === 'AWS::ApiGateway::GatewayResponse');
    const byType = Object.fromEntries(responses.map((r) => [r.Properties?.ResponseType, r.Properties!]));
    // What API Gateway puts in $context at answer time; messageString is already a quoted JSON string.
    const render = (template: string) =>
      JSON.parse(
        template
          .replaceAll('$context.error.messageString', JSON.stringify('Forbidden'))
          .replaceAll('$context.error.responseType', 'ACCESS_DENIED')
          .replaceAll('$context.requestId', 'req-1'),
      );
    const expected: Record<string, [status: string | undefined, code: string]> = {
      INVALID_API_KEY: ['401', 'Unauthorized'],
      MISSING_AUTHENTICATION_TOKEN: ['404', 'RouteNotFound'],
      RESOURCE_NOT_FOUND: ['404', 'RouteNotFound'],
      THROTTLED: ['429', 'TooManyRequests'],
      QUOTA_EXCEEDED: ['429', 'QuotaExceeded'],
      REQUEST_TOO_LARGE: ['413', 'PayloadTooLarge'],
      DEFAULT_4XX: [undefined, 'RequestRejected'],
      DEFAULT_5XX: [undefined, 'GatewayError'],
    };
    expect(Object.keys(byType).sort()).toEqual(Object.keys(expected).sort());
    for (const [type, [status, code]] of Object.entries(expected)) {
      const r = byType[type];
      expect(r.RestApiId, type).toEqual({ Ref: logicalIdOf(stack, 'Http/Api') });
      expect(r.StatusCode, type).toBe(status);
      const body = render(r.ResponseTemplates['application/json']);
      expect(body, type).toEqual({ error: expect.objectContaining({ code, message: expect.any(String), requestId: 'req-1' }) });
      expect(Object.keys(body.error).sort(), type).toEqual(status ? ['code', 'message', 'requestId'] : ['code', 'details', 'message', 'requestId']);
    }
    // The catch-alls pass API Gateway's own message and response type on.
    expect(render(byType.DEFAULT_4XX.ResponseTemplates['application/json']).error).toMatchObject({ message: 'Forbidden', details: { responseType: 'ACCESS_DENIED' } });
    // Only the rate limit says when to come back: a quota resets with its period.
    expect(byType.THROTTLED.ResponseParameters).toEqual({ 'gatewayresponse.header.Retry-After': "'1'" });
    for (const type of Object.keys(expected).filter((t) => t !== 'THROTTLED')) expect(byType[type].ResponseParameters, type).toBeUndefined();
    expect(render(byType.QUOTA_EXCEEDED.ResponseTemplates['application/json']).error.message).toContain('200000 requests per day');
  });

  it('throttles and caps the API key with the dev usage plan', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'visutility-tuner-dev-plan',
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 200_000, Period: 'DAY' },
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY' });
  });

  it('writes JSON access logs and error-level execution logs on the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"apiKeyId":"\\$context.identity.apiKeyId"') },
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });

  it('runs every handler on Node.js 24, arm64, with the table, topic and Powertools settings', () => {
    const resources = resourcesOf(template);
    for (const handler of handlers) {
      const fn = resources[logicalIdOf(stack, `Fn-${handler}/Function`)];
      const access = routes.find((r) => r.handler === handler) ?? { publishes: true };
      expect(fn.Properties, handler).toMatchObject({
        FunctionName: `visutility-tuner-dev-${handler}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      const vars = fn.Properties?.Environment.Variables;
      expect(vars[ENV.tableName]).toEqual({ Ref: logicalIdOf(stack, 'Store/Table') });
      expect(vars[ENV.topicArn], handler).toEqual(access.publishes ? { Ref: logicalIdOf(stack, 'Events/Topic') } : undefined);
      expect(vars).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'visutility-tuner',
        POWERTOOLS_METRICS_NAMESPACE: 'VisuTilityTuner',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('grants each function exactly the DynamoDB calls routes.ts declares for it, and only its own topic and log group', () => {
    const access = [...routes, ...scheduled];
    for (const handler of handlers) {
      const declared = access.find((r) => r.handler === handler)!;
      const { statements, actions, dynamo, role } = policyOf(template, stack, handler);
      expect(role.Properties?.ManagedPolicyArns, handler).toBeUndefined();
      for (const a of actions) expect(a, handler).not.toMatch(/^\*$|:\*$/);
      expect([...dynamo].sort(), handler).toEqual([...declaredGrants(declared.table)].sort());
      for (const s of statements) {
        const only = (prefix: string) => s.actions.every((a) => a.startsWith(prefix));
        if (only('dynamodb:')) for (const r of s.resources) expect(r, handler).toMatch(/^(table|index:(lsi1|gsi1))$/);
        else if (only('logs:')) expect(s.resources).toEqual(['own-log-group']);
        else if (only('sns:')) expect(s.resources).toEqual(['topic']);
        else if (only('kms:')) expect(s.condition).toEqual({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/sns' } });
        else throw new Error(`${handler}: unexpected statement ${JSON.stringify(s)}`);
      }
      expect(actions.has('sns:Publish'), `${handler} sns:Publish`).toBe(declared.publishes);
      expect([...actions].some((a) => a.startsWith('kms:')), `${handler} kms`).toBe(declared.publishes);
    }
  });

  it('gives no function Scan, BatchGetItem, PartiQL or any other DynamoDB call the store never makes', () => {
    const used = new Set(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((a) => `dynamodb:${a}`));
    for (const handler of handlers) {
      const { actions } = policyOf(template, stack, handler);
      expect(actions.has('dynamodb:Scan'), handler).toBe(false);
      for (const a of actions) if (a.startsWith('dynamodb:')) expect(used.has(a), `${handler} ${a}`).toBe(true);
    }
  });

  it('keeps the read-only routes read-only: no write action, no Publish', () => {
    const readOnly = routes.filter((r) => readsOnly(r.table));
    expect(readOnly.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /studies', 'GET /studies/{studyId}/runs']);
    for (const route of readOnly) {
      const { actions, dynamo } = policyOf(template, stack, route.handler);
      for (const w of WRITES) expect(actions.has(w), `${route.handler} ${w}`).toBe(false);
      expect(actions.has('sns:Publish'), route.handler).toBe(false);
      expect(dynamo.size, route.handler).toBeGreaterThan(0);
    }
    // Listing studies reads the index alone: not even GetItem on the table.
    expect([...policyOf(template, stack, 'list-studies').dynamo]).toEqual(['Query@index:gsi1']);
  });

  it('lets the sweeper write the table and publish RunTimedOut, nothing more', () => {
    const { actions, statements } = policyOf(template, stack, 'sweep');
    expect(actions.has('dynamodb:UpdateItem')).toBe(true);
    expect(actions.has('sns:Publish')).toBe(true);
    expect(statements.flatMap((s) => s.resources).filter((r) => r.startsWith('other:'))).toEqual([]);
  });

  it('runs the sweeper every minute from an EventBridge rule', () => {
    const sweeper = logicalIdOf(stack, 'Fn-sweep/Function');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [sweeper, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('does not let Lambda retry a failed sweep (the next scheduled one redoes it)', () => {
    // sweep.ts throws on a partial failure; Lambda's async default would run it twice more.
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(stack, 'Fn-sweep/Function') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('encrypts the event topic and refuses publishing without TLS', () => {
    const topic = logicalIdOf(stack, 'Events/Topic');
    const props = resourcesOf(template)[topic].Properties;
    expect(props?.TopicName).toBe('visutility-tuner-dev-events');
    // The alias ARN of the AWS managed SNS key (a Join over partition, region and account).
    expect(JSON.stringify(props?.KmsMasterKeyId)).toContain(':alias/aws/sns');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the example queue to BestImproved events only, with a dead-letter queue, SSE and TLS-only', () => {
    const queue = logicalIdOf(stack, 'Events/BestImprovedQueue');
    const dlq = logicalIdOf(stack, 'Events/BestImprovedDlq');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [queue, 'Arn'] },
      FilterPolicy: { eventType: ['BestImproved'] },
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    for (const q of [queue, dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('alarms on the API 5xx rate, each function\'s errors and throttles, and DynamoDB throttles', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'visutility-tuner-dev-api-5xx-rate',
      MetricName: '5XXError',
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Average',
      Threshold: 0.05,
    });
    for (const handler of handlers) {
      const fn = { Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, `Fn-${handler}/Function`) } };
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: [fn], Threshold: 1 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Namespace: 'AWS/Lambda', Dimensions: [fn], Threshold: 1 });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'visutility-tuner-dev-table-throttled-requests',
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ThrottledRequests', Namespace: 'AWS/DynamoDB' }) }) }),
      ]),
    });
  });

  it('sends alarms nowhere unless an alarm email is given', () => {
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: Match.anyValue() }, 0);
  });

  it('outputs the URL, the key id and the command that prints the key', () => {
    const key = logicalIdOf(stack, 'Http/ApiKey');
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('ApiKeyId', { Value: { Ref: key } });
    template.hasOutput('ApiKeyValueCommand', {
      Value: { 'Fn::Join': ['', ['aws apigateway get-api-key --api-key ', { Ref: key }, ' --include-value --query value --output text']] },
    });
  });
});

describe('the prod stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = templateOf({ env: 'prod' }));
  });

  it('retains the table once created (not on a failed first deploy) and protects it from deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ TableName: 'visutility-tuner-prod', DeletionProtectionEnabled: true }),
    });
  });

  it('keeps nothing under a fixed name but the table, so a redeploy after a destroy finds the other names free', () => {
    const kept = Object.entries(resourcesOf(template)).filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate');
    const named = kept.filter(([, r]) => ['TableName', 'LogGroupName', 'QueueName', 'TopicName', 'FunctionName', 'RoleName'].some((k) => r.Properties?.[k] !== undefined));
    expect(named.map(([, r]) => r.Properties?.TableName)).toEqual(['visutility-tuner-prod']);
    // Kept: the table, the 13 function log groups and the access log group, all but on a failed first
    // deploy; and the account's API Gateway logging role and setting, always (other APIs may use them).
    const byPolicy = (policy: string) => kept.filter(([, r]) => r.DeletionPolicy === policy).map(([, r]) => r.Type).sort();
    expect(byPolicy('RetainExceptOnCreate')).toEqual(['AWS::DynamoDB::Table', ...Array(handlers.length + 1).fill('AWS::Logs::LogGroup')]);
    expect(byPolicy('Retain')).toEqual(['AWS::ApiGateway::Account', 'AWS::IAM::Role']);
    for (const [, r] of kept) expect(r.UpdateReplacePolicy).toBe('Retain');
  });

  it('keeps its logs for three months, and the example queues not at all', () => {
    const resources = Object.values(resourcesOf(template));
    for (const r of resources.filter((x) => x.Type === 'AWS::Logs::LogGroup')) expect(r.Properties?.RetentionInDays).toBe(90);
    const queues = resources.filter((x) => x.Type === 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const q of queues) expect(q.DeletionPolicy).toBe('Delete');
  });

  it('gets the higher prod throttle and quota', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 500, BurstLimit: 1000 },
      Quota: { Limit: 10_000_000, Period: 'DAY' },
    });
  });
});

describe('context settings', () => {
  it('retains and protects the table of an environment marked persistent in a context file', () => {
    const { template } = templateOf({ env: 'staging', environments: { staging: { persistent: true } } });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'RetainExceptOnCreate', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
  });

  it('leaves deletion protection off when told to (a first deploy that may roll back), still retaining the table', () => {
    const { template } = templateOf({ env: 'prod', deletionProtection: 'false' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'RetainExceptOnCreate', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });

  it('applies command-line limits over the defaults', () => {
    const { template } = templateOf({ env: 'dev', rateLimit: '7', burstLimit: '9', quotaLimit: '1000', quotaPeriod: 'WEEK' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 7, BurstLimit: 9 }, Quota: { Limit: 1000, Period: 'WEEK' } });
  });

  it('subscribes each kind of endpoint from context with its filter policy', () => {
    const subscribe = JSON.stringify([
      { kind: 'email', endpoint: 'ops@example.com', eventTypes: ['BestImproved', 'StudyStopped'] },
      { kind: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:123456789012:tuner-events', studyIds: ['s-1'], rawMessageDelivery: true },
      { kind: 'https', endpoint: 'https://hooks.example.com/tuner', eventTypes: ['RunCompleted'] },
      { kind: 'lambda', endpoint: 'arn:aws:lambda:us-east-1:123456789012:function:on-event', eventTypes: ['RunFailed'], studyIds: ['s-2'] },
    ]);
    const { template } = templateOf({ env: 'dev', subscribe });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      FilterPolicy: { eventType: ['BestImproved', 'StudyStopped'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: 'arn:aws:sqs:us-east-1:123456789012:tuner-events',
      FilterPolicy: { studyId: ['s-1'] },
      RawMessageDelivery: true,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/tuner', FilterPolicy: { eventType: ['RunCompleted'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: 'arn:aws:lambda:us-east-1:123456789012:function:on-event',
      FilterPolicy: { eventType: ['RunFailed'], studyId: ['s-2'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:on-event',
      Principal: 'sns.amazonaws.com',
    });
  });

  describe('lambda subscriptions: SNS may invoke only functions of the stack\'s own account and region', () => {
    const ours = 'arn:aws:lambda:us-east-1:123456789012:function:ours';
    const otherAccount = 'arn:aws:lambda:us-east-1:210987654321:function:theirs';
    const otherRegion = 'arn:aws:lambda:eu-west-1:123456789012:function:elsewhere';
    const subscribe = JSON.stringify([ours, otherAccount, otherRegion].map((endpoint) => ({ kind: 'lambda', endpoint })));
    const permissionsOf = (template: Template) =>
      Object.values(resourcesOf(template)).filter((r) => r.Type === 'AWS::Lambda::Permission' && r.Properties?.Principal === 'sns.amazonaws.com') as {
        Properties: Record<string, any>;
        Condition?: string;
      }[];

    it('grants it for a function of the stack\'s account and region, and leaves others\' functions to their owners', () => {
      const { template } = templateOf({ env: 'dev', subscribe }, { env: { account: '123456789012', region: 'us-east-1' } });
      for (const endpoint of [ours, otherAccount, otherRegion]) template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', Endpoint: endpoint });
      const permissions = permissionsOf(template);
      expect(permissions.map((p) => p.Properties.FunctionName)).toEqual([ours]);
      expect(permissions[0].Properties).toMatchObject({ Action: 'lambda:InvokeFunction', SourceArn: { Ref: expect.stringMatching(/^EventsTopic/) } });
      expect(permissions[0].Condition).toBeUndefined();
    });

    it('makes the grant conditional on the account and region at deploy time in an environment-agnostic stack', () => {
      const { template } = templateOf({ env: 'dev', subscribe });
      const permissions = permissionsOf(template);
      expect(permissions.map((p) => p.Properties.FunctionName)).toEqual([ours, otherAccount, otherRegion]);
      const conditions = template.toJSON().Conditions as Record<string, unknown>;
      const expected = (account: string, region: string) => ({
        'Fn::And': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, account] }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, region] }],
      });
      expect(permissions.map((p) => conditions[p.Condition as string])).toEqual([
        expected('123456789012', 'us-east-1'),
        expected('210987654321', 'us-east-1'),
        expected('123456789012', 'eu-west-1'),
      ]);
    });
  });

  it('routes every alarm to an encrypted alarm topic when an alarm email is given', () => {
    const { template } = templateOf({ env: 'dev', alarmEmail: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'visutility-tuner-dev-alarms', KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() }, 0);
  });

  it('lets CloudWatch publish this stack\'s alarms to the alarm topic and use its key, and nothing else', () => {
    const { template, stack } = templateOf({ env: 'dev', alarmEmail: 'oncall@example.com' });
    const topic = logicalIdOf(stack, 'Alarms/Topic');
    // Our alarms' ARNs, in this account and region: arn:<partition>:cloudwatch:<region>:<account>:alarm:visutility-tuner-dev-*
    const ourAlarms = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:visutility-tuner-dev-*']],
    };
    const condition = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': ourAlarms } };
    // enforceSSL's topic policy replaces SNS's default one: without an Allow for CloudWatch no alarm is delivered.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: topic }, Condition: condition },
        ]),
      },
    });
    const keyStatements = resourcesOf(template)[logicalIdOf(stack, 'Alarms/TopicKey')].Properties?.KeyPolicy.Statement as Record<string, any>[];
    const forCloudWatch = keyStatements.filter((st) => JSON.stringify(st.Principal).includes('cloudwatch.amazonaws.com'));
    expect(forCloudWatch).toEqual([
      { Sid: 'CloudWatchAlarmsUseKey', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*', Condition: condition },
    ]);
    // The grants match the alarms only as long as every alarm carries the prefix.
    for (const r of Object.values(resourcesOf(template)).filter((x) => x.Type === 'AWS::CloudWatch::Alarm')) {
      expect(r.Properties?.AlarmName).toMatch(/^visutility-tuner-dev-/);
    }
  });

  it('sets the account\'s API Gateway logging role by default, and keeps it when the stack goes', () => {
    const { template } = templateOf({ env: 'dev' });
    template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain', Properties: { CloudWatchRoleArn: Match.anyValue() } });
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']] }],
    });
  });

  it('builds without the logging role when the account already has one (apiGatewayCloudWatchRole=false)', () => {
    // CDK threw "'cloudWatchRole' must be enabled for 'cloudWatchRoleRemovalPolicy'" here.
    const { template } = templateOf({ env: 'dev', apiGatewayCloudWatchRole: 'false' });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
    // The stage still logs, through the role the account already has.
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR' })]),
    });
  });

  it('leaves the alarms out when told to', () => {
    const { template } = templateOf({ env: 'dev', alarms: 'false' });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});
