// The month-end state machine as a file: the MonthEnd stack's Amazon States Language definition
// with its tokens resolved to fixed fake values, and each task function's fake ARN and
// environment. scripts/build.mjs writes it to dist/month-end.asl.json (`sla recalc` and
// `sla pipeline` run it locally with aws-local-stepfunctions); the tests use the same code.
//
//   node scripts/run-ts.mjs infra/month-end-definition.ts OUT.json
//
// CDK writes `DefinitionString` as an `Fn::Join` of strings and tokens (`Ref` of pseudo
// parameters, `Fn::GetAtt [<function>, Arn]`): they are resolved here; any other token is an error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildSlaApp } from './app.ts';
import { MONTH_END_SERVICES } from './stacks/month-end-stack.ts';

export const FAKE_PARTITION = 'aws';
export const FAKE_REGION = 'ap-east-1';
export const FAKE_ACCOUNT = '123456789012';

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': FAKE_PARTITION,
  'AWS::Region': FAKE_REGION,
  'AWS::AccountId': FAKE_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** The fake ARN a `Fn::GetAtt [<logical id>, Arn]` of a Lambda function resolves to. */
export const fakeFunctionArn = (logicalId: string): string =>
  `arn:${FAKE_PARTITION}:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${logicalId}`;

/** Resolves the intrinsics CDK writes into a DefinitionString; any other one is an error naming it. */
export const resolveTokens = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only !== undefined) {
      const [fn, arg] = only;
      if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
        return (arg[1] as unknown[]).map(resolveTokens).join(arg[0]);
      }
      if (fn === 'Ref' && typeof arg === 'string') {
        const pseudo = PSEUDO_PARAMETERS[arg];
        if (pseudo !== undefined) return pseudo;
      }
      if (fn === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string' && arg[1] === 'Arn') {
        return fakeFunctionArn(arg[0]);
      }
    }
  }
  throw new Error(`a token the definition cannot be resolved with: ${JSON.stringify(value)}`);
};

/** A state machine definition as JSON (aws-local-stepfunctions' StateMachineDefinition). */
export type AslDefinition = { StartAt: string; States: Record<string, Record<string, unknown>> } & Record<
  string,
  unknown
>;

/** The definition of the template's only state machine. */
export const definitionOf = (template: Template): AslDefinition => {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const [machine] = machines as { Properties: { DefinitionString: unknown } }[];
  if (machines.length !== 1 || machine === undefined) {
    throw new Error(`expected one state machine, found ${machines.length}`);
  }
  return JSON.parse(resolveTokens(machine.Properties.DefinitionString)) as AslDefinition;
};

/** The month-end machine with what its task states invoke: each function's fake ARN and plain environment. */
export interface MonthEndArtifact {
  readonly definition: AslDefinition;
  /** by Powertools service name (MONTH_END_SERVICES) */
  readonly functions: Record<string, { readonly arn: string; readonly environment: Record<string, string> }>;
}

const root = join(import.meta.dirname, '..');

/** Builds the app as `cdk synth` does (cdk.json's feature flags), bundling skipped. */
export const synthesizeMonthEnd = (): MonthEndArtifact => {
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(buildSlaApp(app).monthEnd);
  const definition = definitionOf(template);
  const functions: Record<string, { arn: string; environment: Record<string, string> }> = {};
  for (const service of Object.values(MONTH_END_SERVICES)) {
    const found = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) } },
    });
    const [entry] = Object.entries(found);
    if (entry === undefined || Object.keys(found).length !== 1) throw new Error(`one function of ${service}`);
    const [logicalId, resource] = entry as [string, { Properties: { Environment: { Variables: unknown } } }];
    const environment: Record<string, string> = {};
    for (const [name, v] of Object.entries(resource.Properties.Environment.Variables as Record<string, unknown>)) {
      // TABLE_NAME is a cross-stack reference: the local table replaces it.
      if (typeof v === 'string') environment[name] = v;
    }
    functions[service] = { arn: fakeFunctionArn(logicalId), environment };
  }
  return { definition, functions };
};

// `node scripts/run-ts.mjs infra/month-end-definition.ts OUT.json`: writes the artifact.
const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(entry).href === import.meta.url) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: month-end-definition.ts OUT.json');
  writeFileSync(out, `${JSON.stringify(synthesizeMonthEnd())}\n`);
}
