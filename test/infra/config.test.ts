import { describe, expect, it } from 'vitest';
import { ContextError, readConfig } from '../../infra/constructs/config';

const read = (context: Record<string, unknown>) => readConfig((key) => context[key]);

describe('environment name', () => {
  it('defaults to dev', () => {
    expect(read({}).envName).toBe('dev');
  });

  it.each(['dev', 'prod', 'team-a', 'pr-1234'])('accepts %s', (env) => {
    expect(read({ env }).envName).toBe(env);
  });

  it.each(['Prod', 'dev_1', 'a b', 'x'.repeat(21), 'dev;rm'])('refuses %j with a message naming the key and the rule', (env) => {
    expect(() => read({ env })).toThrow(ContextError);
    expect(() => read({ env })).toThrow(/^env: must be 1-20 characters of a-z, 0-9 and "-"/);
  });
});

describe('per-environment defaults', () => {
  it('keeps only prod by default and gives it the higher limits', () => {
    const dev = read({ env: 'dev' });
    const prod = read({ env: 'prod' });
    expect(dev.persistent).toBe(false);
    expect(prod.persistent).toBe(true);
    expect(prod.throttle.rateLimit).toBeGreaterThan(dev.throttle.rateLimit);
    expect(prod.quota.limit).toBeGreaterThan(dev.quota.limit);
  });

  it('lets environments.<env> mark another environment persistent and set its limits', () => {
    const c = read({ env: 'staging', environments: { staging: { persistent: true, rateLimit: 80, burstLimit: 160 }, prod: { rateLimit: 1 } } });
    expect(c).toMatchObject({ persistent: true, throttle: { rateLimit: 80, burstLimit: 160 } });
  });

  it('lets a command-line value override environments.<env>', () => {
    const c = read({ env: 'prod', environments: { prod: { rateLimit: 300 } }, rateLimit: '200', persistent: 'false' });
    expect(c.throttle.rateLimit).toBe(200);
    expect(c.persistent).toBe(false);
  });

  it('protects the table of a persistent environment unless told otherwise', () => {
    expect(read({ env: 'dev' }).deletionProtection).toBe(false);
    expect(read({ env: 'prod' }).deletionProtection).toBe(true);
    expect(read({ env: 'staging', environments: { staging: { persistent: true } } }).deletionProtection).toBe(true);
    expect(read({ env: 'prod', deletionProtection: 'false' })).toMatchObject({ persistent: true, deletionProtection: false });
  });

  it('parses numbers and booleans given as strings on the command line', () => {
    const c = read({ quotaLimit: '5000', quotaPeriod: 'MONTH', alarms: 'false', logLevel: 'DEBUG' });
    expect(c).toMatchObject({ quota: { limit: 5000, period: 'MONTH' }, alarms: false, logLevel: 'DEBUG' });
  });
});

describe('mistakes name the setting', () => {
  it.each([
    [{ rateLimit: 'fast' }, /^rateLimit: must be a number/],
    [{ rateLimit: '0' }, /^rateLimit: must be at least 1/],
    [{ rateLimit: '100', burstLimit: '10' }, /^burstLimit: must be at least rateLimit \(100\)/],
    [{ quotaPeriod: 'YEAR' }, /^quotaPeriod: must be DAY, WEEK or MONTH/],
    [{ persistent: 'yes' }, /^persistent: must be true or false/],
    [{ env: 'dev', deletionProtection: 'true' }, /^deletionProtection: needs persistent=true/],
    [{ env: 'prod', persistent: 'false', deletionProtection: 'true' }, /^deletionProtection: needs persistent=true/],
    [{ alarmEmail: 'ops' }, /^alarmEmail: must be an email address/],
    [{ env: 'qa', environments: { qa: { rateLimt: 5 } } }, /^environments\.qa: unknown setting\(s\) rateLimt/],
    [{ env: 'qa', environments: { qa: 'fast' } }, /^environments\.qa: must be an object/],
  ])('%j', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });
});

describe('event subscriptions', () => {
  it('reads the kind:endpoint shorthand, several separated by commas', () => {
    const c = read({
      subscribe: 'email:ops@example.com,sqs:arn:aws:sqs:eu-west-1:123456789012:events,https://hooks.example.com/x?a=1,lambda:arn:aws:lambda:eu-west-1:123456789012:function:f',
    });
    expect(c.subscriptions).toEqual([
      { kind: 'email', endpoint: 'ops@example.com' },
      { kind: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:123456789012:events' },
      { kind: 'https', endpoint: 'https://hooks.example.com/x?a=1' },
      { kind: 'lambda', endpoint: 'arn:aws:lambda:eu-west-1:123456789012:function:f' },
    ]);
  });

  it('reads a JSON list with filters from the command line', () => {
    const c = read({ subscribe: '[{"kind":"email","endpoint":"a@b.co","eventTypes":["BestImproved"],"studyIds":["s1"]}]' });
    expect(c.subscriptions).toEqual([{ kind: 'email', endpoint: 'a@b.co', eventTypes: ['BestImproved'], studyIds: ['s1'] }]);
  });

  it('adds command-line subscriptions to the ones of the context file', () => {
    const c = read({ env: 'prod', environments: { prod: { subscribe: [{ kind: 'email', endpoint: 'a@b.co' }] } }, subscribe: 'email:c@d.co' });
    expect(c.subscriptions.map((s) => s.endpoint)).toEqual(['a@b.co', 'c@d.co']);
  });

  it.each([
    ['pager:123', /^subscribe\.0\.kind: must be one of email, sqs, https, lambda/],
    ['email:not-an-address', /^subscribe\.0\.endpoint: must be an email address/],
    ['sqs:my-queue', /^subscribe\.0\.endpoint: must be an SQS queue ARN/],
    ['lambda:arn:aws:sqs:us-east-1:123456789012:q', /^subscribe\.0\.endpoint: must be a Lambda function ARN/],
    ['http://insecure.example.com', /^subscribe\.0\.kind: must be one of email, sqs, https, lambda/],
    ['nocolon', /^subscribe: "nocolon" must look like kind:endpoint/],
    ['[{"kind":"email"', /^subscribe: is not valid JSON/],
    ['[{"kind":"email","endpoint":"a@b.co","rawMessageDelivery":true}]', /^subscribe\.0\.rawMessageDelivery: applies to sqs and https/],
    ['[{"kind":"email","endpoint":"a@b.co","eventType":["X"]}]', /^subscribe\.0: unknown setting\(s\) eventType; known: kind, endpoint, eventTypes/],
  ])('refuses %s', (subscribe, message) => {
    expect(() => read({ subscribe })).toThrow(message);
  });
});
