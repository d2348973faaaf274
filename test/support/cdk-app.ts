// What the CDK assertion tests share: the app built as `cdk synth` builds it (cdk.json's feature
// flags, bundling skipped), and small matchers over templates.
import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { buildSlaApp, type SlaStacks } from '../../infra/app.ts';

export type Json = Record<string, unknown>;
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Json };

/** An App with cdk.json's context (and `context`); bundling skipped unless asked. */
export const appWith = (context: Json = {}, bundling = false): App =>
  new App({ context: { ...cdkJson.context, ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context } });

/** The SLA app's stacks, built as `cdk synth` builds them, bundling skipped. */
export const build = (context: Json = {}): SlaStacks & { app: App } => {
  const app = appWith(context);
  return { app, ...buildSlaApp(app) };
};

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Asserts one value against a pattern that may hold matchers; the mismatch is the failure message. */
export const expectToMatch = (actual: unknown, pattern: unknown): void => {
  const result = Match.exact(pattern).test(actual);
  expect(result.hasFailed() ? result.renderMismatch() : 'match').toBe('match');
};

export const logicalId = (template: Template, type: string, props: Json): string => {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found, `${type} with ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0] as string;
};

const OPERATOR_OUTPUTS = new Set(['TableName', 'NoticeQueueUrl', 'NoticeDeadLetterQueueUrl']);

/** How a stack refers to an attribute of a stateful resource: the output that publishes it. */
export const crossStackRef = (stateful: Stack, value: unknown) => {
  const outputs = Template.fromStack(stateful).toJSON().Outputs as Record<string, { Value: unknown }>;
  // not the outputs named for operators (TableName, NoticeQueueUrl…): they publish the same values
  const names = Object.entries(outputs)
    .filter(([name]) => !OPERATOR_OUTPUTS.has(name))
    .filter(([, output]) => JSON.stringify(output.Value) === JSON.stringify(value))
    .map(([name]) => name);
  expect(names, `an output of ${stateful.stackName} with ${JSON.stringify(value)}`).toHaveLength(1);
  return { 'Fn::GetStackOutput': Match.objectLike({ StackName: stateful.stackName, OutputName: names[0] }) };
};
