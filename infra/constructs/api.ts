/**
 * The REST API: one method per entry of `routes` (functions/routes.ts), each backed by its function.
 * Every method requires an API key; the usage plan throttles and caps each key per environment.
 * Bodies: API Gateway's own limit is 10 MB (fixed); the handlers refuse anything over 64 KB with 413.
 * Between 6 and 10 MB the event is over Lambda's invoke limit and the gateway answers 5xx.
 * The gateway's own answers (no key, no route, throttled, ...) use the service's error envelope.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKey,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDef } from '../../functions/routes';
import type { TunerConfig } from './config';

export interface TunerApiProps {
  /** Prefix of physical names (carries the environment). */
  readonly namePrefix: string;
  readonly routes: readonly RouteDef[];
  /** The function serving each route, by handler name. */
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly throttle: TunerConfig['throttle'];
  readonly quota: TunerConfig['quota'];
  /** Keep the access logs when the stack is deleted. */
  readonly persistent: boolean;
  /** Set the account's CloudWatch role for API Gateway logging (once per account and region). */
  readonly cloudWatchRole: boolean;
}

export const STAGE_NAME = 'v1';

export class TunerApi extends Construct {
  readonly api: RestApi;
  readonly apiKey: ApiKey;

  constructor(scope: Construct, id: string, props: TunerApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.persistent ? RetentionDays.THREE_MONTHS : RetentionDays.ONE_MONTH,
      // No fixed name (a kept group cannot collide with the next deploy's); not kept on a failed first deploy.
      removalPolicy: props.persistent ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.namePrefix,
      description: 'VisuTility Tuner: ask for parameters, report metrics, complete runs',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: props.cloudWatchRole,
      // The account setting outlives this stack: other APIs of the account may log through it too.
      // (CDK refuses a removal policy for a role it does not create.) Without the role, the stage's
      // logging needs one the account already has: the deploy fails otherwise.
      ...(props.cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      defaultMethodOptions: { apiKeyRequired: true },
      deployOptions: {
        stageName: STAGE_NAME,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        // Stage-wide ceiling; the usage plan below applies the same limits per API key.
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });
    // The gateway checks the declared path parameters. Bodies are validated by the handlers (zod, with
    // field-level messages, 413 over 64 KB): no models are attached, so the body check passes them on.
    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: `${props.namePrefix}-validator`,
      validateRequestParameters: true,
      validateRequestBody: true,
    });

    for (const route of props.routes) {
      const fn = props.functions.get(route.handler);
      if (!fn) throw new Error(`no function for route ${route.method} ${route.path} (handler ${route.handler})`);
      const resource = this.api.root.resourceForPath(route.path);
      const requestParameters = Object.fromEntries(pathParams(route.path).map((p) => [`method.request.path.${p}`, true]));
      resource.addMethod(route.method, new LambdaIntegration(fn, { allowTestInvoke: false }), {
        apiKeyRequired: true,
        requestValidator: validator,
        requestParameters,
      });
    }

    this.apiKey = new ApiKey(this, 'ApiKey', {
      apiKeyName: `${props.namePrefix}-key`,
      description: 'Key for trainers and scripts; read its value with aws apigateway get-api-key --include-value',
    });
    const plan = this.api.addUsagePlan('UsagePlan', {
      name: `${props.namePrefix}-plan`,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      quota: { limit: props.quota.limit, period: Period[props.quota.period] },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    plan.addApiKey(this.apiKey);

    for (const [id, answer] of Object.entries(gatewayAnswers(props.quota))) {
      this.api.addGatewayResponse(id, {
        type: answer.type,
        statusCode: answer.status,
        responseHeaders: answer.retryAfterSeconds === undefined ? undefined : { 'Retry-After': `'${answer.retryAfterSeconds}'` },
        templates: { 'application/json': answer.body },
      });
    }
  }
}

/**
 * What API Gateway answers itself, before any function runs, rewritten into the service's error
 * envelope ({ "error": { "code", "message", ... } }, lib/http/errors.ts) instead of its own
 * `{"message": "Forbidden"}`. Codes are the service's where one means the same (local mode answers a
 * missing key 401 Unauthorized and an unknown path 404 RouteNotFound too). `status` undefined keeps
 * the gateway's own status (the catch-alls). Every answer carries the request id.
 */
export interface GatewayAnswer {
  type: ResponseType;
  status?: string;
  code: string;
  retryAfterSeconds?: number;
  /** The response template: JSON with $context variables (VTL). */
  body: string;
}

export function gatewayAnswers(quota: TunerConfig['quota']): Record<string, GatewayAnswer> {
  const answer = (type: ResponseType, status: string | undefined, code: string, message: string | undefined, retryAfterSeconds?: number): GatewayAnswer => {
    if (message !== undefined && /[$#"\\]/.test(message)) throw new Error(`gateway message must not need escaping in VTL/JSON: ${message}`);
    // Without a message of ours, API Gateway's own ($context.error.messageString is a quoted JSON string).
    const text = message === undefined ? '$context.error.messageString' : JSON.stringify(message);
    const details = message === undefined ? ',"details":{"responseType":"$context.error.responseType"}' : '';
    const body = `{"error":{"code":${JSON.stringify(code)},"message":${text}${details},"requestId":"$context.requestId"}}`;
    return { type, status, code, retryAfterSeconds, body };
  };
  const noRoute = 'no route matches this method and path: see the API table in the README (the stage is part of the URL: .../v1/studies)';
  return {
    // A missing key and a wrong one alike (API Gateway does not tell them apart).
    MissingOrWrongKey: answer(ResponseType.INVALID_API_KEY, '401', 'Unauthorized', 'missing or wrong x-api-key header'),
    // An unknown path, or a known path with another method: API Gateway calls both a missing token.
    UnknownRoute: answer(ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'RouteNotFound', noRoute),
    ResourceNotFound: answer(ResponseType.RESOURCE_NOT_FOUND, '404', 'RouteNotFound', noRoute),
    // The usage plan's or the stage's rate: a second is the scale its token bucket refills on.
    Throttled: answer(ResponseType.THROTTLED, '429', 'TooManyRequests', 'over the request rate allowed for this API key: retry after Retry-After seconds', 1),
    // No Retry-After: the quota resets with its period, not in seconds.
    QuotaExceeded: answer(
      ResponseType.QUOTA_EXCEEDED,
      '429',
      'QuotaExceeded',
      `this API key has used up its quota of ${quota.limit} requests per ${quota.period.toLowerCase()}: it resets with the period`,
    ),
    // Over API Gateway's fixed 10 MB; the handlers refuse anything over 64 KB the same way.
    RequestTooLarge: answer(ResponseType.REQUEST_TOO_LARGE, '413', 'PayloadTooLarge', 'the body is larger than 10 MB, what API Gateway accepts (the service takes up to 64 KB)'),
    Default4xx: answer(ResponseType.DEFAULT_4XX, undefined, 'RequestRejected', undefined),
    // A function that failed, timed out or could not be invoked (such as a body over Lambda's 6 MB).
    Default5xx: answer(ResponseType.DEFAULT_5XX, undefined, 'GatewayError', undefined),
  };
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);
}

/** One JSON line per request: who (key id, ip), what (method, resource, status), how long. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      time: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      apiKeyId: AccessLogField.contextIdentityApiKeyId(),
      method: AccessLogField.contextHttpMethod(),
      resource: AccessLogField.contextResourcePath(),
      path: AccessLogField.contextPath(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      latencyMs: AccessLogField.contextResponseLatency(),
      integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
      error: AccessLogField.contextErrorMessage(),
    }),
  );
}
