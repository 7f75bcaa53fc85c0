/**
 * The CDK app: one stack per environment, named from context (`npx cdk deploy -c env=dev`, default
 * dev). cdk-nag's AWS Solutions checks run on every synth; an unacknowledged finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ContextError, readConfig, stackName } from './constructs/config';
import { TunerStack } from './stack';

const app = new App();
try {
  const config = readConfig((key) => app.node.tryGetContext(key));
  new TunerStack(app, stackName(config.envName), { config });
} catch (err) {
  if (!(err instanceof ContextError)) throw err;
  console.error(`Invalid context: ${err.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
