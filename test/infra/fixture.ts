/**
 * Builds the stack the way `cdk synth` does (cdk.json's feature flags, context from the command line)
 * but without bundling, into a temporary outdir removed after the test file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { readConfig, stackName } from '../../infra/constructs/config';
import { PROJECT_ROOT } from '../../infra/constructs/function';
import { TunerStack } from '../../infra/stack';

const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const outdirs: string[] = [];

afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempOutdir(prefix = 'tuner-cdk-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  outdirs.push(dir);
  return dir;
}

/** `context` is what `-c key=value` would give (strings) or what a context file would (any JSON). */
export function buildStack(context: Record<string, unknown> = {}, options: { bundle?: boolean; outdir?: string; env?: Environment } = {}) {
  const app = new App({
    outdir: options.outdir ?? tempOutdir(),
    context: { ...cdkJson.context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const config = readConfig((key) => app.node.tryGetContext(key));
  // infra/app.ts builds an environment-agnostic stack (no env); tests may pin one.
  const stack = new TunerStack(app, stackName(config.envName), { config, env: options.env });
  return { app, stack, config };
}

export function templateOf(context: Record<string, unknown> = {}, options: { env?: Environment } = {}) {
  const built = buildStack(context, options);
  return { ...built, template: Template.fromStack(built.stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

/** The logical id of a resource by its construct path under the stack (e.g. `Fn-ask/Function`). */
export function logicalIdOf(stack: TunerStack, path: string): string {
  const node = stack.node.findChild(path.split('/')[0]);
  let current = node;
  for (const part of path.split('/').slice(1)) current = current.node.findChild(part);
  const cfn = (current.node.defaultChild ?? current) as Parameters<TunerStack['getLogicalId']>[0];
  return stack.getLogicalId(cfn);
}

export function resourcesOf(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}
