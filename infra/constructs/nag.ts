/**
 * The cdk-nag (AwsSolutions) findings this stack accepts, each with its reason, acknowledged on the
 * construct where it arises (not stack-wide, so a new wildcard elsewhere still fails). Anything not
 * listed here fails `cdk synth` and test/infra/nag.test.ts.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** On a function's role: the wildcards that `grantPublish` writes for the AWS managed SNS key. */
export function acknowledgeFunctionGrants(role: IConstruct, publishes: boolean): void {
  if (!publishes) return;
  const snsKey =
    'topic.grantPublish on the events topic, encrypted with the AWS managed key alias/aws/sns: its id is unknown at ' +
    'synth, so the statement names key/*, but its condition (kms:ResourceAliases = alias/aws/sns) limits it to that key';
  Validations.of(role).acknowledge(
    { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]', reason: `${snsKey}.` },
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: `${snsKey}; publishing needs the GenerateDataKey family.` },
  );
}

/** On the REST API construct (its methods, stage and CloudWatch role are children). */
export function acknowledgeApi(api: IConstruct): void {
  Validations.of(api).acknowledge(
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'Callers are trainers and scripts, not end users: every method requires an API key, and the usage plan ' +
        'throttles and caps each key. Add an IAM or Cognito authorizer in front if you need per-user identity.',
    },
    {
      id: 'AwsSolutions-COG4',
      reason: 'No end-user sign-in: access is by API key with a usage plan (see AwsSolutions-APIG4).',
    },
    {
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF costs a fixed monthly fee per web ACL and rule; API keys, per-key throttling and quotas and the ' +
        'stage throttle bound abuse. Associate a web ACL with the stage if the API is exposed widely.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level role API Gateway needs to write access and execution logs; AWS documents this managed ' +
        'policy for exactly that, and it grants only CloudWatch Logs writes.',
    },
  );
}
