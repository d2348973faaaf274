// The Amazon States Language definition of a synthesized state machine, as JSON, typed for
// aws-local-stepfunctions. The token resolving lives in infra/month-end-definition.ts, shared with
// the build (dist/month-end.asl.json).
import type { Template } from 'aws-cdk-lib/assertions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { definitionOf as definitionJson } from '../../infra/month-end-definition.ts';

export {
  FAKE_ACCOUNT,
  FAKE_PARTITION,
  FAKE_REGION,
  fakeFunctionArn,
  resolveTokens,
} from '../../infra/month-end-definition.ts';

/** The definition of the template's only state machine. */
export const definitionOf = (template: Template): StateMachineDefinition =>
  definitionJson(template) as unknown as StateMachineDefinition;
