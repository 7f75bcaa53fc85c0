/**
 * The event topic: every lifecycle event of the service is published here with String message
 * attributes `eventType` and `studyId`, so subscribers filter without reading the body. Encrypted at
 * rest, SSL-only. Subscriptions come from context (see infra/constructs/config.ts and docs/deploy.md); one example
 * subscriber, an SQS queue of BestImproved events, is always there to copy from.
 */
import { Arn, ArnFormat, CfnCondition, Duration, Fn, RemovalPolicy, Stack, Token, type ICfnConditionExpression } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventSubscription } from './config';

export interface EventsProps {
  /** Prefix of physical names (carries the environment). */
  readonly namePrefix: string;
  readonly subscriptions: readonly EventSubscription[];
}

/** The filter a subscription asks for, on the message attributes the publisher sets. */
export function filterPolicyOf(s: Pick<EventSubscription, 'eventTypes' | 'studyIds'>): Record<string, SubscriptionFilter> | undefined {
  const policy: Record<string, SubscriptionFilter> = {};
  if (s.eventTypes) policy.eventType = SubscriptionFilter.stringFilter({ allowlist: s.eventTypes });
  if (s.studyIds) policy.studyId = SubscriptionFilter.stringFilter({ allowlist: s.studyIds });
  return Object.keys(policy).length ? policy : undefined;
}

export class Events extends Construct {
  readonly topic: Topic;
  /** The example subscriber: BestImproved events, as raw JSON messages. */
  readonly bestImprovedQueue: Queue;
  readonly bestImprovedDlq: Queue;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      topicName: `${props.namePrefix}-events`,
      displayName: `VisuTility Tuner events (${props.namePrefix})`,
      // The AWS managed key: free, and usable by any principal of the account that may publish.
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    props.subscriptions.forEach((s, i) => this.subscribe(`Subscription${i}`, s));

    // The example queues go with the stack, in every environment: they are a sample to copy, and the
    // events in them are copies (the table is the truth). Nor do they have fixed names: SQS refuses a
    // queue name for 60 s after that queue was deleted, which failed a quick redeploy after a destroy.
    // The stack outputs their URLs.
    this.bestImprovedDlq = new Queue(this, 'BestImprovedDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.bestImprovedQueue = new Queue(this, 'BestImprovedQueue', {
      // SSE-SQS, not a KMS key: SNS can deliver to it with no key policy to maintain.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.bestImprovedDlq, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic.addSubscription(
      new SqsSubscription(this.bestImprovedQueue, {
        rawMessageDelivery: true,
        filterPolicy: filterPolicyOf({ eventTypes: ['BestImproved'] }),
        // Messages SNS cannot deliver (queue policy broken, queue deleted) are kept, not dropped.
        deadLetterQueue: this.bestImprovedDlq,
      }),
    );
  }

  private subscribe(id: string, s: EventSubscription): void {
    const filterPolicy = filterPolicyOf(s);
    switch (s.kind) {
      case 'email':
        this.topic.addSubscription(new EmailSubscription(s.endpoint, { filterPolicy }));
        return;
      case 'https':
        this.topic.addSubscription(
          new UrlSubscription(s.endpoint, { protocol: SubscriptionProtocol.HTTPS, filterPolicy, rawMessageDelivery: s.rawMessageDelivery }),
        );
        return;
      case 'sqs':
        // A queue of another stack: its owner adds the queue policy (and key policy) that lets SNS send.
        this.topic.addSubscription(
          new SqsSubscription(Queue.fromQueueArn(this, id, s.endpoint), { filterPolicy, rawMessageDelivery: s.rawMessageDelivery }),
        );
        return;
      case 'lambda':
        new Subscription(this, id, { topic: this.topic, protocol: SubscriptionProtocol.LAMBDA, endpoint: s.endpoint, filterPolicy });
        this.allowInvoke(id, s.endpoint);
        return;
    }
  }

  /**
   * Lets SNS invoke a subscribed function, but only one of the stack's own account and region: a
   * permission on anyone else's function fails the deploy, and is its owner's to add. An
   * environment-agnostic stack (what `cdk deploy` builds here) learns its account and region only at
   * deploy time, so the permission is then made conditional on them matching the function's ARN.
   */
  private allowInvoke(id: string, functionArn: string): void {
    const stack = Stack.of(this);
    const fn = Arn.split(functionArn, ArnFormat.COLON_RESOURCE_NAME);
    const sameAtDeploy: ICfnConditionExpression[] = [];
    for (const [ours, theirs] of [
      [stack.account, fn.account],
      [stack.region, fn.region],
    ]) {
      if (Token.isUnresolved(ours)) sameAtDeploy.push(Fn.conditionEquals(ours, theirs ?? ''));
      else if (ours !== theirs) return;
    }
    const permission = new CfnPermission(this, `${id}Invoke`, {
      action: 'lambda:InvokeFunction',
      functionName: functionArn,
      principal: 'sns.amazonaws.com',
      sourceArn: this.topic.topicArn,
    });
    if (sameAtDeploy.length > 0) {
      permission.cfnOptions.condition = new CfnCondition(this, `${id}InSameEnvironment`, {
        expression: sameAtDeploy.length === 1 ? sameAtDeploy[0] : Fn.conditionAnd(...sameAtDeploy),
      });
    }
  }
}
