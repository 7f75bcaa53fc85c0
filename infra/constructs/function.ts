/**
 * One Lambda function per handler file in functions/: bundled by esbuild on this machine (never Docker),
 * arm64, its own log group and its own role. The role starts with nothing but writing to its log group;
 * the stack grants table and topic access per route, so each function holds only what it uses.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this CDK knows (cdk-nag's L1 rule asks for the latest of the family). */
export const RUNTIME = Runtime.NODEJS_24_X;

/**
 * The package is ESM, so the bundle is too (`index.mjs`). Some bundled dependencies still call
 * `require` for Node built-ins, which ESM lacks: the banner gives them one. The AWS SDK v3 is left
 * out because the runtime provides it; zod, uuid and Powertools are bundled.
 */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __tunerCreateRequire } from 'node:module'; const require = __tunerCreateRequire(import.meta.url);",
  externalModules: ['@aws-sdk/*'],
  minify: true,
  sourceMap: true,
  // Stack traces map back to the .ts files without shipping the sources themselves.
  sourcesContent: false,
  forceDockerBundling: false,
};

export interface TunerFunctionProps {
  /** File name in functions/ without `.ts`; it exports `handler`. */
  readonly handler: string;
  /** Physical function name (carries the environment). */
  readonly functionName: string;
  readonly environment: Record<string, string>;
  /** @default 512 */
  readonly memoryMiB?: number;
  /** @default 10 (API Gateway gives up at 29 s) */
  readonly timeoutSec?: number;
  /** Keep the log group when the stack is deleted (and give it a generated name: see below). */
  readonly persistent: boolean;
}

export class TunerFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TunerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      // A kept group must not have a fixed name: after a destroy it would still hold the name and the
      // next deploy would fail with "already exists". CloudFormation names it instead, and the old
      // logs stay readable in the old group. A group deleted with its stack can have the usual name.
      logGroupName: props.persistent ? undefined : `/aws/lambda/${props.functionName}`,
      retention: props.persistent ? RetentionDays.THREE_MONTHS : RetentionDays.ONE_MONTH,
      // Not kept when the deploy that created it rolls back: nothing worth keeping is in it yet.
      removalPolicy: props.persistent ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
    });
    // An own role instead of the AWS managed basic-execution policy: logs go to this group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.functionName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      entry: join(PROJECT_ROOT, 'functions', `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMiB ?? 512,
      timeout: Duration.seconds(props.timeoutSec ?? 10),
      role: this.role,
      logGroup: this.logGroup,
      environment: props.environment,
      bundling: BUNDLING,
    });
  }
}
