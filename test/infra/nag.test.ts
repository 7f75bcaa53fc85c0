import { Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildStack } from './fixture';

/** Every optional part switched on, so its findings are checked too. */
const everything = {
  alarmEmail: 'oncall@example.com',
  subscribe: JSON.stringify([
    { kind: 'email', endpoint: 'ops@example.com', eventTypes: ['BestImproved'] },
    { kind: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:123456789012:tuner-events' },
    { kind: 'https', endpoint: 'https://hooks.example.com/tuner' },
    { kind: 'lambda', endpoint: 'arn:aws:lambda:us-east-1:123456789012:function:on-event' },
  ]),
};

function findings(stack: Parameters<AwsSolutionsChecks['validateScope']>[0]) {
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity,
    at: v.violatingResources.map((r) => r.constructPath),
  }));
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['dev', { env: 'dev' }],
    ['prod', { env: 'prod' }],
    ['dev with alarm email and every kind of subscription', { env: 'dev', ...everything }],
    ['dev without the API Gateway logging role', { env: 'dev', apiGatewayCloudWatchRole: 'false' }],
  ])('finds nothing unacknowledged in %s', (_name, context) => {
    const { stack } = buildStack(context);
    expect(findings(stack)).toEqual([]);
  });

  it('catches a finding nobody acknowledged (the check is live)', () => {
    const { stack } = buildStack({ env: 'dev' });
    new Topic(stack, 'Plain');
    expect(findings(stack)).toContainEqual(expect.objectContaining({ rule: 'AwsSolutions-SNS3', severity: 'error', at: ['VisuTilityTuner-dev/Plain/Resource'] }));
  });

  it('gives a written reason for every acknowledged finding', () => {
    const { stack } = buildStack({ env: 'dev', ...everything });
    const acknowledged: [string, unknown][] = [];
    for (const c of stack.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) acknowledged.push(...Object.entries(m.data as Record<string, unknown>));
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(typeof reason === 'string' && reason.length > 40, id).toBe(true);
    }
  });
});
