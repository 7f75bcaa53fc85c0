/**
 * What pages someone: the API answering 5xx, a function erroring or throttled, DynamoDB throttling.
 * Alarms go to an alarm topic only when an email is given (`-c alarmEmail=...`); without it they still
 * show in the CloudWatch console. CloudWatch cannot publish to a topic under the AWS managed SNS key,
 * so the alarm topic has its own KMS key (with rotation).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** Prefix of alarm and topic names (carries the environment). */
  readonly namePrefix: string;
  readonly api: RestApi;
  /** Functions by handler name. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly table: Table;
  /** Subscribed to a new alarm topic when given. */
  readonly alarmEmail?: string;
}

/** Share of requests answered 5xx over 5 minutes that raises the API alarm. */
export const API_5XX_RATE = 0.05;
/** The DynamoDB operations the store uses: throttles on any of them alarm. */
export const TABLE_OPERATIONS = [Operation.GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM, Operation.BATCH_WRITE_ITEM];

export class Alarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // Every alarm is named `<namePrefix>-...`: the alarm topic's grants to CloudWatch rely on it.
    const alarmName = (suffix: string) => `${props.namePrefix}-${suffix}`;
    let action: IAlarmAction | undefined;
    if (props.alarmEmail) {
      const key = new Key(this, 'TopicKey', {
        description: `Encrypts ${props.namePrefix}-alarms`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      // CloudWatch may act for this stack's alarms only (no confused deputy): the grants name them by
      // their common prefix, so nothing else of the account can publish through CloudWatch here.
      const { account, region, partition } = Stack.of(this);
      const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
      const onlyOurAlarms = {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${alarmName('*')}` },
      };
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsUseKey',
          principals: [cloudwatch],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: onlyOurAlarms,
        }),
      );
      this.topic = new Topic(this, 'Topic', { topicName: `${props.namePrefix}-alarms`, masterKey: key, enforceSSL: true });
      // enforceSSL writes a topic policy, and any topic policy replaces SNS's default one, which is what
      // let CloudWatch publish: without this statement no alarm email is ever sent.
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [cloudwatch],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: onlyOurAlarms,
        }),
      );
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      action = new SnsAction(this.topic);
    }
    const add = (alarm: Alarm) => {
      if (action) alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };
    const common = { evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING };

    // Average of 5XXError per request is the 5xx rate.
    add(
      props.api.metricServerError({ statistic: 'Average', period: Duration.minutes(5) }).createAlarm(this, 'Api5xxRate', {
        ...common,
        alarmName: alarmName('api-5xx-rate'),
        alarmDescription: `More than ${API_5XX_RATE * 100}% of API requests answered 5xx over 5 minutes`,
        threshold: API_5XX_RATE,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
    );
    for (const [name, fn] of props.functions) {
      add(
        fn.metricErrors({ period: Duration.minutes(5) }).createAlarm(this, `${name}-errors`, {
          ...common,
          alarmName: alarmName(`${name}-errors`),
          alarmDescription: `${name}: invocations ended in an unhandled error`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        }),
      );
      add(
        fn.metricThrottles({ period: Duration.minutes(5) }).createAlarm(this, `${name}-throttles`, {
          ...common,
          alarmName: alarmName(`${name}-throttles`),
          alarmDescription: `${name}: invocations throttled (account or reserved concurrency exhausted)`,
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        }),
      );
    }
    add(
      new Alarm(this, 'TableThrottled', {
        ...common,
        metric: props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: Duration.minutes(5) }),
        alarmName: alarmName('table-throttled-requests'),
        alarmDescription: 'DynamoDB throttled requests on the table or its indexes',
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
    );
  }
}
