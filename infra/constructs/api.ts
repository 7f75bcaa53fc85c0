/**
 * The REST API: one method per entry of `routes` (functions/routes.ts), each backed by its function.
 * Every method requires an API key; the usage plan throttles and caps each key per environment.
 * Bodies: API Gateway's own limit is 10 MB (fixed); the handlers refuse anything over 64 KB with 413.
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
  }
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
