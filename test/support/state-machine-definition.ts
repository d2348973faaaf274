// The Amazon States Language definition of a synthesized state machine, as JSON. CDK writes
// `DefinitionString` as an `Fn::Join` of strings and tokens (`Ref` of pseudo parameters,
// `Fn::GetAtt [<function>, Arn]`): they are resolved to fixed fake values, so a definition can be
// asserted on and run by aws-local-stepfunctions.
import type { Template } from 'aws-cdk-lib/assertions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

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

/** The definition of the template's only state machine. */
export const definitionOf = (template: Template): StateMachineDefinition => {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const [machine] = machines as { Properties: { DefinitionString: unknown } }[];
  if (machines.length !== 1 || machine === undefined) {
    throw new Error(`expected one state machine, found ${machines.length}`);
  }
  return JSON.parse(resolveTokens(machine.Properties.DefinitionString)) as StateMachineDefinition;
};
