/**
 * Deploy-time settings of one environment, read from CDK context. Three layers, later wins:
 *   1. built-in defaults (prod gets higher limits and keeps its data),
 *   2. `environments.<env>` in cdk.json (or cdk.context.json / `--context` files): per-environment settings,
 *   3. flat keys (`-c rateLimit=100`, `-c subscribe=...`, or the same keys at the top of the context).
 * CLI values arrive as strings, so numbers and booleans are parsed here; every mistake names the key.
 */
import { z } from 'zod';

/** Why an environment cannot be built from the given context: fix the named key and run again. */
export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextError';
  }
}

export const SUBSCRIPTION_KINDS = ['email', 'sqs', 'https', 'lambda'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

export interface EventSubscription {
  kind: SubscriptionKind;
  /** email address, SQS queue ARN, https:// URL, or Lambda function ARN. */
  endpoint: string;
  /** Deliver only these event types (message attribute `eventType`). */
  eventTypes?: string[];
  /** Deliver only events of these studies (message attribute `studyId`). */
  studyIds?: string[];
  /** SQS and HTTPS only: deliver the event JSON itself instead of the SNS envelope. */
  rawMessageDelivery?: boolean;
}

export interface TunerConfig {
  envName: string;
  /** Keep the table and the logs when the stack is deleted (or a change would replace them). */
  persistent: boolean;
  /**
   * DynamoDB deletion protection on the table (default: `persistent`). Only for a persistent table.
   * CloudFormation cannot delete a protected table, so the rollback of a failed first deploy stops at
   * it: a new persistent environment is best deployed the first time with this off.
   */
  deletionProtection: boolean;
  throttle: { rateLimit: number; burstLimit: number };
  quota: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' };
  /** POWERTOOLS_LOG_LEVEL of every function. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Create the CloudWatch alarms (each alarm metric costs $0.10 a month). */
  alarms: boolean;
  /** Email subscribed to the alarm topic; without it no alarm topic is created. */
  alarmEmail?: string;
  /** Let the stack set the account's API Gateway CloudWatch role (needed once per account and region for access logs). */
  apiGatewayCloudWatchRole: boolean;
  subscriptions: EventSubscription[];
}

/** Names end up in table, function and topic names (Lambda names max 64 characters): keep them short. */
export const ENV_NAME_RE = /^[a-z0-9-]{1,20}$/;
export const DEFAULT_ENV = 'dev';
/** Environments that keep their data without being told to. */
export const PERSISTENT_BY_DEFAULT = ['prod'];

/** Per-environment defaults: enough for a few dozen trainers outside prod, a few hundred in prod. */
export function defaultsFor(envName: string): Omit<TunerConfig, 'envName' | 'subscriptions'> {
  const prod = envName === 'prod';
  return {
    persistent: PERSISTENT_BY_DEFAULT.includes(envName),
    deletionProtection: PERSISTENT_BY_DEFAULT.includes(envName),
    throttle: prod ? { rateLimit: 500, burstLimit: 1000 } : { rateLimit: 50, burstLimit: 100 },
    quota: prod ? { limit: 10_000_000, period: 'DAY' } : { limit: 200_000, period: 'DAY' },
    logLevel: 'INFO',
    alarms: true,
    apiGatewayCloudWatchRole: true,
  };
}

/** The context keys this app reads (the flat layer; `environments.<env>` accepts the same ones). */
export const CONTEXT_KEYS = [
  'persistent',
  'deletionProtection',
  'rateLimit',
  'burstLimit',
  'quotaLimit',
  'quotaPeriod',
  'logLevel',
  'alarms',
  'alarmEmail',
  'apiGatewayCloudWatchRole',
  'subscribe',
] as const;

const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'must be true or false' }));
const int = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );
const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address');

const SUBSCRIPTION_FIELDS = ['kind', 'endpoint', 'eventTypes', 'studyIds', 'rawMessageDelivery'] as const;

const subscriptionSchema = z
  .object({
    kind: z.enum(SUBSCRIPTION_KINDS, { error: `must be one of ${SUBSCRIPTION_KINDS.join(', ')}` }),
    endpoint: z.string().min(1, 'must not be empty'),
    eventTypes: z.array(z.string().min(1)).min(1, 'must list at least one event type when given').optional(),
    studyIds: z.array(z.string().min(1)).min(1, 'must list at least one study id when given').optional(),
    rawMessageDelivery: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const bad = (message: string) => ctx.addIssue({ code: 'custom', path: ['endpoint'], message });
    if (s.kind === 'email' && !email.safeParse(s.endpoint).success) bad('must be an email address');
    if (s.kind === 'https' && !/^https:\/\/\S+$/.test(s.endpoint)) bad('must be an https:// URL');
    if (s.kind === 'sqs' && !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(s.endpoint)) {
      bad('must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)');
    }
    if (s.kind === 'lambda' && !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(s.endpoint)) {
      bad('must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)');
    }
    if (s.rawMessageDelivery && (s.kind === 'email' || s.kind === 'lambda')) {
      ctx.addIssue({ code: 'custom', path: ['rawMessageDelivery'], message: 'applies to sqs and https subscriptions only' });
    }
  });

const settingsSchema = z
  .object({
    persistent: bool.optional(),
    deletionProtection: bool.optional(),
    rateLimit: int(1, 10_000).optional(),
    burstLimit: int(1, 5_000).optional(),
    quotaLimit: int(1, 2_000_000_000).optional(),
    quotaPeriod: z.enum(['DAY', 'WEEK', 'MONTH'], { error: 'must be DAY, WEEK or MONTH' }).optional(),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be DEBUG, INFO, WARN or ERROR' }).optional(),
    alarms: bool.optional(),
    alarmEmail: email.optional(),
    apiGatewayCloudWatchRole: bool.optional(),
    subscribe: z.array(subscriptionSchema).optional(),
  })
  .strict();

type Settings = z.infer<typeof settingsSchema>;

/** Reads one context key; `undefined` when absent. */
export type ContextReader = (key: string) => unknown;

/** Builds the configuration of the environment named by `env` (default `dev`). */
export function readConfig(get: ContextReader): TunerConfig {
  const envName = parseEnvName(get('env'));
  const perEnv = environmentsEntry(get('environments'), envName);
  const flat: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = get(key);
    if (value !== undefined && value !== '') flat[key] = value;
  }
  const fromFile = parseSettings(normalizeSubscribe(perEnv, `environments.${envName}.subscribe`), `environments.${envName}`);
  const fromFlat = parseSettings(normalizeSubscribe(flat, 'subscribe'), '');
  return merge(envName, fromFile, fromFlat);
}

export function parseEnvName(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_ENV;
  if (typeof raw !== 'string' || !ENV_NAME_RE.test(raw)) {
    throw new ContextError(
      `env: must be 1-20 characters of a-z, 0-9 and "-" (it names the stack and its resources), got ${JSON.stringify(raw)}; ` +
        'deploy with e.g. `npx cdk deploy -c env=dev`',
    );
  }
  return raw;
}

/** The name of the stack of an environment. */
export const stackName = (envName: string) => `VisuTilityTuner-${envName}`;

function environmentsEntry(raw: unknown, envName: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'string') {
    try {
      return environmentsEntry(JSON.parse(raw), envName);
    } catch (err) {
      if (err instanceof ContextError) throw err;
      throw new ContextError('environments: must be a JSON object of { "<env>": { settings } }');
    }
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ContextError('environments: must be an object of { "<env>": { settings } }');
  const entry = (raw as Record<string, unknown>)[envName];
  if (entry === undefined) return {};
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ContextError(`environments.${envName}: must be an object of settings (${CONTEXT_KEYS.join(', ')})`);
  }
  return entry as Record<string, unknown>;
}

/**
 * `subscribe` is a list of subscription objects (in a context file), the same list as a JSON string
 * (`-c 'subscribe=[{"kind":"email",...}]'`), or the shorthand `kind:endpoint[,kind:endpoint...]`
 * (`-c subscribe=email:ops@example.com`), which delivers every event.
 */
function normalizeSubscribe(settings: Record<string, unknown>, where: string): Record<string, unknown> {
  const raw = settings.subscribe;
  if (raw === undefined) return settings;
  let list: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('[') || text.startsWith('{')) {
      try {
        list = JSON.parse(text);
      } catch (err) {
        throw new ContextError(`${where}: is not valid JSON (${(err as Error).message})`);
      }
    } else {
      list = text.split(',').filter((s) => s.trim() !== '').map((entry) => shorthand(entry.trim(), where));
    }
  }
  if (list !== null && typeof list === 'object' && !Array.isArray(list)) list = [list];
  return { ...settings, subscribe: list };
}

function shorthand(entry: string, where: string): Record<string, unknown> {
  const colon = entry.indexOf(':');
  if (colon <= 0) {
    throw new ContextError(`${where}: "${entry}" must look like kind:endpoint, kind one of ${SUBSCRIPTION_KINDS.join(', ')} (e.g. email:ops@example.com)`);
  }
  const kind = entry.slice(0, colon);
  const rest = entry.slice(colon + 1);
  // `https:https://host/path` and `https://host/path` both mean an HTTPS endpoint.
  if (kind === 'https' && rest.startsWith('//')) return { kind, endpoint: entry };
  return { kind, endpoint: rest };
}

function parseSettings(raw: Record<string, unknown>, where: string): Settings {
  const r = settingsSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = [where, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  const known = issue.path.includes('subscribe') ? SUBSCRIPTION_FIELDS : CONTEXT_KEYS;
  const message = issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}; known: ${known.join(', ')}` : issue.message;
  throw new ContextError(`${path ? `${path}: ` : ''}${message}`);
}

function merge(envName: string, ...layers: Settings[]): TunerConfig {
  const config: TunerConfig = { envName, ...defaultsFor(envName), subscriptions: [] };
  let deletionProtection: boolean | undefined;
  for (const s of layers) {
    if (s.persistent !== undefined) config.persistent = s.persistent;
    if (s.deletionProtection !== undefined) deletionProtection = s.deletionProtection;
    if (s.rateLimit !== undefined) config.throttle = { ...config.throttle, rateLimit: s.rateLimit };
    if (s.burstLimit !== undefined) config.throttle = { ...config.throttle, burstLimit: s.burstLimit };
    if (s.quotaLimit !== undefined) config.quota = { ...config.quota, limit: s.quotaLimit };
    if (s.quotaPeriod !== undefined) config.quota = { ...config.quota, period: s.quotaPeriod };
    if (s.logLevel !== undefined) config.logLevel = s.logLevel;
    if (s.alarms !== undefined) config.alarms = s.alarms;
    if (s.alarmEmail !== undefined) config.alarmEmail = s.alarmEmail;
    if (s.apiGatewayCloudWatchRole !== undefined) config.apiGatewayCloudWatchRole = s.apiGatewayCloudWatchRole;
    // Subscriptions add up: the file's per-environment ones plus any given on the command line.
    if (s.subscribe !== undefined) config.subscriptions = [...config.subscriptions, ...s.subscribe];
  }
  // Unless said otherwise, a kept table is a protected one.
  config.deletionProtection = deletionProtection ?? config.persistent;
  if (config.deletionProtection && !config.persistent) {
    throw new ContextError('deletionProtection: needs persistent=true (the stack would delete the table, and a protected one cannot be deleted)');
  }
  if (config.throttle.burstLimit < config.throttle.rateLimit) {
    throw new ContextError(`burstLimit: must be at least rateLimit (${config.throttle.rateLimit}), got ${config.throttle.burstLimit}`);
  }
  return config;
}
