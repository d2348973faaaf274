// The month-end stack as deployed: built in-process by infra/app.ts with the feature flags of
// cdk.json and bundling skipped (context aws:cdk:bundling-stacks = []). Assertions are on the
// properties that matter — the schedule, the workflow's states, logging, tracing, grants, alarms,
// the notice queue of the stateful stack — never a whole template or a whole definition.
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../infra/constructs/sla-function.ts';
import { MONTH_END_SERVICES, MONTH_END_STATES } from '../../infra/stacks/month-end-stack.ts';
import { NOTICE_MAX_RECEIVES, NOTICE_WORKER_TIMEOUT_SECONDS } from '../../infra/stacks/stateful-stack.ts';
import {
  asArray,
  build,
  crossStackRef,
  expectToMatch,
  type Json,
  logicalId,
  type Statement,
} from '../support/cdk-app.ts';
import { definitionOf, fakeFunctionArn } from '../support/state-machine-definition.ts';

const functionId = (template: Template, serviceName: string): string =>
  logicalId(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: serviceName }) },
  });

/** The statements of every policy attached to a role. */
const statementsOfRole = (template: Template, roleId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );

/** The statements of every policy attached to the role of the function with this service name. */
const statementsOfFunction = (template: Template, serviceName: string): Statement[] => {
  const fn = template.toJSON().Resources[functionId(template, serviceName)] as {
    Properties: { Role: { 'Fn::GetAtt': [string, string] } };
  };
  return statementsOfRole(template, fn.Properties.Role['Fn::GetAtt'][0]);
};

const withPrefix = (statements: Statement[], prefix: string): Statement[] =>
  statements.filter((s) => asArray(s.Action).some((a) => a.startsWith(prefix)));

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

/** Lambda's own transient failures: 2 s, doubling, 6 attempts, at most 60 s apart, full jitter. */
const LAMBDA_TRANSIENT_RETRIER: Retrier = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'Lambda.ClientExecutionTimeoutException',
  ],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/** DynamoDB's transient errors, after the SDK's retries: 10 s, doubling, 4 attempts, at most 2 min apart, full jitter. */
const DYNAMODB_TRANSIENT_RETRIER: Retrier = {
  ErrorEquals: [
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'InternalServerError',
    'ServiceUnavailable',
    'TimeoutError',
  ],
  IntervalSeconds: 10,
  BackoffRate: 2,
  MaxAttempts: 4,
  MaxDelaySeconds: 120,
  JitterStrategy: 'FULL',
};

/** Every retrier of every Task in a definition, Map item processors included, by state name. */
const retriersOf = (definition: StateMachineDefinition): [string, Retrier][] =>
  Object.entries(definition.States).flatMap(([name, s]) => {
    const found = s as { Retry?: Retrier[]; ItemProcessor?: StateMachineDefinition };
    return [
      ...(found.Retry ?? []).map((r): [string, Retrier] => [name, r]),
      ...(found.ItemProcessor ? retriersOf(found.ItemProcessor) : []),
    ];
  });

describe('month-end stack (dev)', () => {
  let stacks: ReturnType<typeof build>;
  let monthEnd: Template;
  let definition: StateMachineDefinition;
  let stateMachineId: string;

  beforeAll(() => {
    stacks = build();
    monthEnd = Template.fromStack(stacks.monthEnd);
    definition = definitionOf(monthEnd);
    stateMachineId = logicalId(monthEnd, 'AWS::StepFunctions::StateMachine', {});
  });

  const state = (name: string, states = definition.States): unknown => {
    const found = states[name];
    expect(found, `state ${name}`).toBeDefined();
    return found;
  };

  it('is the stack TcmppSla-dev-MonthEnd', () => {
    expect(stacks.monthEnd.stackName).toBe('TcmppSla-dev-MonthEnd');
  });

  describe('schedule', () => {
    it('starts the state machine at 02:00 on the 1st of each month, Asia/Shanghai, with the scheduled time', () => {
      monthEnd.resourceCountIs('AWS::Scheduler::Schedule', 1);
      monthEnd.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 2 1 * ? *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          Arn: { Ref: stateMachineId },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
        }),
      });
      const [schedule] = Object.values(monthEnd.findResources('AWS::Scheduler::Schedule')) as [
        { Properties: { Target: { Input: string } } },
      ];
      expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
        reason: 'scheduled',
        requestedBy: 'schedule',
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
    });

    it('its role may start this state machine and nothing else', () => {
      const roleId = logicalId(monthEnd, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
        }),
      });
      expect(statementsOfRole(monthEnd, roleId)).toEqual([
        { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: stateMachineId } },
      ]);
    });

    it('is alone in its schedule group, whose dropped starts raise an alarm', () => {
      monthEnd.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'tcmpp-sla-dev-month-end' });
      monthEnd.hasResourceProperties('AWS::Scheduler::Schedule', { GroupName: Match.anyValue() });
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Scheduler',
        MetricName: 'InvocationDroppedCount',
        Dimensions: [{ Name: 'ScheduleGroup', Value: Match.anyValue() }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  describe('state machine', () => {
    it('is Standard, traced with X-Ray, logging ALL events to its own log group', () => {
      const logGroupId = logicalId(monthEnd, 'AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/tcmpp-sla-dev-month-end',
      });
      monthEnd.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
        },
      });
      monthEnd.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/tcmpp-sla-dev-month-end',
        RetentionInDays: 14,
      });
    });

    it('is JSONPath, and its timeout is one Node can count locally', () => {
      expect(JSON.stringify(definition)).not.toContain('JSONata');
      expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(20 * 86_400);
      // aws-local-stepfunctions counts TimeoutSeconds with setTimeout: at most 2^31 - 1 ms
      expect((definition.TimeoutSeconds ?? 0) * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    });

    it('Plan: the plan function with the execution input, retried on Lambda’s and DynamoDB’s transient errors; its output is the handler’s return', () => {
      expect(definition.StartAt).toBe(MONTH_END_STATES.plan);
      const task = state(MONTH_END_STATES.plan) as { Retry: Retrier[] };
      expect(task).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: fakeFunctionArn(functionId(monthEnd, MONTH_END_SERVICES.plan)),
          'Payload.$': '$',
        },
        OutputPath: '$.Payload',
        Next: MONTH_END_STATES.evaluateBatches,
      });
      expect(task.Retry).toEqual([LAMBDA_TRANSIENT_RETRIER, DYNAMODB_TRANSIENT_RETRIER]);
    });

    it('EvaluateBatches: a DISTRIBUTED Map over $.batches, 10 at a time, results beside the plan', () => {
      expect(state(MONTH_END_STATES.evaluateBatches)).toMatchObject({
        Type: 'Map',
        // its child executions report metrics under `<state machine ARN>/EvaluateBatches`
        Label: MONTH_END_STATES.evaluateBatches,
        ItemsPath: '$.batches',
        MaxConcurrency: 10,
        ResultPath: '$.batchResults',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: MONTH_END_STATES.evaluateBatch,
        },
        Next: MONTH_END_STATES.summarise,
      });
    });

    it('EvaluateBatch: the evaluate-batch function, retried on Lambda’s and DynamoDB’s transient errors with backoff and jitter', () => {
      const map = state(MONTH_END_STATES.evaluateBatches) as { ItemProcessor: StateMachineDefinition };
      const task = state(MONTH_END_STATES.evaluateBatch, map.ItemProcessor.States) as { Retry: Retrier[] };
      expect(task).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: fakeFunctionArn(functionId(monthEnd, MONTH_END_SERVICES.evaluateBatch)),
          'Payload.$': '$',
        },
        OutputPath: '$.Payload',
        End: true,
      });
      // errors of the code itself (a corrupt record, a missing batch) are not retried: they would
      // fail the same way again
      expect(task.Retry).toEqual([LAMBDA_TRANSIENT_RETRIER, DYNAMODB_TRANSIENT_RETRIER]);
    });

    it('Summarise: the summarise function with month, runId and the batch results; the summary goes beside the plan', () => {
      const summarise = state(MONTH_END_STATES.summarise) as Json;
      expect(summarise).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: fakeFunctionArn(functionId(monthEnd, MONTH_END_SERVICES.summarise)),
          Payload: { 'month.$': '$.month', 'runId.$': '$.runId', 'batches.$': '$.batchResults' },
        },
        ResultSelector: { 'summary.$': '$.Payload' },
        ResultPath: '$.summarised',
        Next: MONTH_END_STATES.waitForClaimWindows,
      });
      // the plan's batches must travel on to NotifyBatches: no OutputPath may cut them off
      expect(summarise.OutputPath).toBeUndefined();
    });

    it('WaitForClaimWindows waits until the summary’s opensAt, then NotifyBatches', () => {
      expect(state(MONTH_END_STATES.waitForClaimWindows)).toMatchObject({
        Type: 'Wait',
        TimestampPath: '$.summarised.summary.opensAt',
        Next: MONTH_END_STATES.notifyBatches,
      });
    });

    it('NotifyBatches: a DISTRIBUTED Map over the same $.batches, each item its batch and opensAt, 10 at a time', () => {
      expect(state(MONTH_END_STATES.notifyBatches)).toMatchObject({
        Type: 'Map',
        Label: MONTH_END_STATES.notifyBatches,
        ItemsPath: '$.batches',
        ItemSelector: {
          'runId.$': '$$.Map.Item.Value.runId',
          'batch.$': '$$.Map.Item.Value.batch',
          'month.$': '$$.Map.Item.Value.month',
          'opensAt.$': '$.summarised.summary.opensAt',
        },
        MaxConcurrency: 10,
        ResultPath: '$.notices',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: MONTH_END_STATES.notifyBatch,
        },
        Next: MONTH_END_STATES.done,
      });
      const map = state(MONTH_END_STATES.notifyBatches) as { ItemSelector: Json };
      expect(Object.keys(map.ItemSelector).sort()).toEqual(['batch.$', 'month.$', 'opensAt.$', 'runId.$']);
    });

    it('NotifyBatch: the notify-batch function, retried on Lambda’s and DynamoDB’s transient errors, then on NoticeEnqueueError', () => {
      const map = state(MONTH_END_STATES.notifyBatches) as { ItemProcessor: StateMachineDefinition };
      expect(Object.keys(map.ItemProcessor.States)).toEqual([MONTH_END_STATES.notifyBatch]);
      const task = state(MONTH_END_STATES.notifyBatch, map.ItemProcessor.States) as { Retry: Retrier[] };
      expect(task).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: fakeFunctionArn(functionId(monthEnd, MONTH_END_SERVICES.notifyBatch)),
          'Payload.$': '$',
        },
        OutputPath: '$.Payload',
        End: true,
      });
      expect(task.Retry).toEqual([
        LAMBDA_TRANSIENT_RETRIER,
        DYNAMODB_TRANSIENT_RETRIER,
        // the queue did not take some messages: they stay pending, and the retry sends them
        { ...LAMBDA_TRANSIENT_RETRIER, ErrorEquals: ['NoticeEnqueueError'] },
      ]);
    });

    it('no retrier anywhere catches everything, a task’s own failure, or NoticeRefusedError', () => {
      const retriers = retriersOf(definition);
      const byState: Record<string, Retrier[]> = {};
      for (const [name, r] of retriers) byState[name] = [...(byState[name] ?? []), r];
      // Summarise reads nothing of DynamoDB: Lambda's errors alone
      expect(byState).toEqual({
        [MONTH_END_STATES.plan]: [LAMBDA_TRANSIENT_RETRIER, DYNAMODB_TRANSIENT_RETRIER],
        [MONTH_END_STATES.evaluateBatch]: [LAMBDA_TRANSIENT_RETRIER, DYNAMODB_TRANSIENT_RETRIER],
        [MONTH_END_STATES.summarise]: [LAMBDA_TRANSIENT_RETRIER],
        [MONTH_END_STATES.notifyBatch]: [
          LAMBDA_TRANSIENT_RETRIER,
          DYNAMODB_TRANSIENT_RETRIER,
          { ...LAMBDA_TRANSIENT_RETRIER, ErrorEquals: ['NoticeEnqueueError'] },
        ],
      });
      // NoticeRefusedError (the queue refuses a message for what it is), NoticeTooEarlyError, a
      // missing batch, a conflicting plan: they would fail the same way again
      const errors = retriers.flatMap(([, r]) => r.ErrorEquals);
      for (const never of ['States.ALL', 'States.TaskFailed', 'NoticeRefusedError', 'BatchConflictError']) {
        expect(errors, never).not.toContain(never);
      }
    });

    it('Done: a Pass whose output is the summary and the notices of each batch', () => {
      expect(state(MONTH_END_STATES.done)).toEqual({
        Type: 'Pass',
        Comment: expect.any(String),
        Parameters: { 'summary.$': '$.summarised.summary', 'notices.$': '$.notices' },
        End: true,
      });
    });

    it('its role may invoke the four functions (and their versions), and nothing else of Lambda', () => {
      const roleId = logicalId(monthEnd, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })],
        }),
      });
      const lambda = withPrefix(statementsOfRole(monthEnd, roleId), 'lambda:');
      expect(lambda).toHaveLength(1);
      const arns = Object.values(MONTH_END_SERVICES).map((s) => ({ 'Fn::GetAtt': [functionId(monthEnd, s), 'Arn'] }));
      expect(lambda[0]?.Action).toBe('lambda:InvokeFunction');
      const expected = [...arns, ...arns.map((arn) => ({ 'Fn::Join': ['', [arn, ':*']] }))];
      expect(lambda[0]?.Resource).toHaveLength(expected.length);
      expect(lambda[0]?.Resource).toEqual(expect.arrayContaining(expected));
    });
  });

  describe('functions: least privilege', () => {
    const tableArn = () =>
      crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [stacks.stateful.getLogicalId(stacks.stateful.table.node.defaultChild as never), 'Arn'],
      });
    const keyArn = () =>
      crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [stacks.stateful.getLogicalId(stacks.stateful.tableKey.node.defaultChild as never), 'Arn'],
      });

    const noticeQueueArn = () =>
      crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [stacks.stateful.getLogicalId(stacks.stateful.noticeQueue.node.defaultChild as never), 'Arn'],
      });
    const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

    it.each([
      // Query the orders; PutItem the run's batches
      [MONTH_END_SERVICES.plan, ['dynamodb:PutItem', 'dynamodb:Query'], KEY_ACTIONS],
      // BatchGetItem the batch's LATEST pointers; GetItem the batch; PutItem versions; Query orders, facts,
      // windows; UpdateItem the batch's outcome
      [
        MONTH_END_SERVICES.evaluateBatch,
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        KEY_ACTIONS,
      ],
      // BatchGetItem the batch's window-open notices; GetItem the batch, results; PutItem notices; Query
      // orders, notices; UpdateItem pending → enqueued
      [
        MONTH_END_SERVICES.notifyBatch,
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        KEY_ACTIONS,
      ],
    ])('%s may only %j on the table itself, and %j on its key', (service, tableActions, keyActions) => {
      const statements = statementsOfFunction(monthEnd, service);

      const dynamo = withPrefix(statements, 'dynamodb:');
      expect(dynamo).toHaveLength(1);
      expect(dynamo[0]?.Effect).toBe('Allow');
      expect([...asArray(dynamo[0]?.Action ?? [])].sort()).toEqual(tableActions);
      expectToMatch(dynamo[0]?.Resource, tableArn());

      const kms = withPrefix(statements, 'kms:');
      expect(kms).toHaveLength(1);
      expect([...asArray(kms[0]?.Action ?? [])].sort()).toEqual(keyActions);
      expectToMatch(kms[0]?.Resource, keyArn());
    });

    it('notify-batch may send to the notice queue, and nothing else of SQS', () => {
      const sqs = withPrefix(statementsOfFunction(monthEnd, MONTH_END_SERVICES.notifyBatch), 'sqs:');
      // one statement of its own: SendMessage (SendMessageBatch too) on the notice queue, without the
      // GetQueueAttributes and GetQueueUrl that grantSendMessages would add
      expectToMatch(sqs, [
        { Sid: 'NoticeQueueSend', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: noticeQueueArn() },
      ]);
      // the queue is SQS-managed encrypted: the one key this function may use is the table's
      const kms = withPrefix(statementsOfFunction(monthEnd, MONTH_END_SERVICES.notifyBatch), 'kms:');
      expect(kms).toHaveLength(1);
      expectToMatch(kms[0]?.Resource, keyArn());
    });

    it('no other function has anything of SQS', () => {
      for (const service of [MONTH_END_SERVICES.plan, MONTH_END_SERVICES.evaluateBatch, MONTH_END_SERVICES.summarise]) {
        expect(withPrefix(statementsOfFunction(monthEnd, service), 'sqs:'), service).toEqual([]);
      }
    });

    it('notify-batch: the notice queue’s URL, the table, the policy zone, the reminder lead (7 days by default)', () => {
      const queueUrl = crossStackRef(stacks.stateful, {
        Ref: stacks.stateful.getLogicalId(stacks.stateful.noticeQueue.node.defaultChild as never),
      });
      monthEnd.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: MONTH_END_SERVICES.notifyBatch,
            NOTICE_QUEUE_URL: queueUrl,
            TABLE_NAME: Match.anyValue(),
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            REMINDER_DAYS_BEFORE: '7',
          }),
        },
      });
    });

    it('summarise has nothing on the table or its key, and no TABLE_NAME', () => {
      const statements = statementsOfFunction(monthEnd, MONTH_END_SERVICES.summarise);
      expect(withPrefix(statements, 'dynamodb:')).toEqual([]);
      expect(withPrefix(statements, 'kms:')).toEqual([]);
      monthEnd.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: MONTH_END_SERVICES.summarise,
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            TABLE_NAME: Match.absent(),
          }),
        },
      });
    });

    it.each([MONTH_END_SERVICES.plan, MONTH_END_SERVICES.evaluateBatch])('%s: the month-end settings', (service) => {
      monthEnd.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            TABLE_NAME: Match.anyValue(),
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            MONTH_END_BATCH_SIZE: '100',
            MAINTENANCE_MIN_NOTICE_HOURS: '0',
            COVERAGE_MIN_PERCENT: '90',
          }),
        },
      });
    });

    it('no function may scan, delete, batch-write or transact; only evaluate-batch and notify-batch batch-read and update; no wildcard action but the key grant’s', () => {
      const every = Object.values(monthEnd.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (
          p as { Properties: { PolicyDocument: { Statement: Statement[] } } }
        ).Properties.PolicyDocument.Statement.flatMap((s) => asArray(s.Action)),
      );
      expect(every.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(
        expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
      );
      expect(
        every.filter(
          (a) => /^dynamodb:(Scan|Delete|BatchWrite|Transact|PartiQL|UpdateTable)/.test(a) || a === 'dynamodb:*',
        ),
      ).toEqual([]);
      const allowedTo = (action: string) =>
        Object.values(MONTH_END_SERVICES)
          .filter((service) => statementsOfFunction(monthEnd, service).some((s) => asArray(s.Action).includes(action)))
          .sort();
      expect(allowedTo('dynamodb:UpdateItem')).toEqual(
        [MONTH_END_SERVICES.evaluateBatch, MONTH_END_SERVICES.notifyBatch].sort(),
      );
      expect(allowedTo('dynamodb:BatchGetItem')).toEqual(
        [MONTH_END_SERVICES.evaluateBatch, MONTH_END_SERVICES.notifyBatch].sort(),
      );
      expect(every.filter((a) => a.includes('*') && !a.startsWith('kms:'))).toEqual([]);
      // nobody here receives, deletes, purges or even looks up the notice queue: notify-batch sends, once
      expect(every.filter((a) => a.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
    });
  });

  describe('alarms', () => {
    it('a failed execution', () => {
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('a timed-out execution, and an account that failed alone (evaluation, notices)', () => {
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsTimedOut',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId } }],
        Threshold: 1,
      });
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TcmppSla',
        MetricName: 'AccountsFailed',
        Dimensions: [{ Name: 'service', Value: MONTH_END_SERVICES.evaluateBatch }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: 'NoticeAccountsFailed',
        Dimensions: [{ Name: 'service', Value: MONTH_END_SERVICES.notifyBatch }],
      });
      monthEnd.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    });

    it('an aborted execution', () => {
      monthEnd.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsAborted',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('notices an account could not be decided: NoticeAccountsFailed of notify-batch, summed over 5 minutes, above 0', () => {
      // the metric the notify-batch function emits, under its service name (one function has it)
      functionId(monthEnd, MONTH_END_SERVICES.notifyBatch);
      const alarms = monthEnd.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: 'NoticeAccountsFailed' },
      });
      expect(Object.keys(alarms)).toEqual([expect.stringMatching(/^NoticeAccountsFailedAlarm/)]);
      const [alarm] = Object.values(alarms) as [{ Properties: Json }];
      expect(alarm.Properties).toEqual({
        Namespace: METRICS_NAMESPACE,
        MetricName: 'NoticeAccountsFailed',
        Dimensions: [{ Name: 'service', Value: MONTH_END_SERVICES.notifyBatch }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmDescription: expect.stringContaining('notices[].failed'),
        Tags: expect.any(Array),
      });
    });

    it('notify the alarm topic when one is given', () => {
      const topic = 'arn:aws:sns:ap-east-1:123456789012:sla-alarms';
      const withTopic = Template.fromStack(build({ alarmTopicArn: topic }).monthEnd);
      withTopic.resourceCountIs('AWS::CloudWatch::Alarm', 6);
      withTopic.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [topic] }, 6);
      withTopic.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'NoticeAccountsFailed',
        AlarmActions: [topic],
      });
    });
  });
});

describe('stateful stack (dev): the notice queue', () => {
  let stacks: ReturnType<typeof build>;
  let stateful: Template;
  let queueId: string;
  let deadLetterId: string;

  beforeAll(() => {
    stacks = build();
    stateful = Template.fromStack(stacks.stateful);
    queueId = stacks.stateful.getLogicalId(stacks.stateful.noticeQueue.node.defaultChild as never);
    deadLetterId = stacks.stateful.getLogicalId(stacks.stateful.noticeDeadLetterQueue.node.defaultChild as never);
  });

  const FOUR_DAYS = 345_600;
  const FOURTEEN_DAYS = 1_209_600;

  it('two queues: the notice queue and its dead-letter queue', () => {
    stateful.resourceCountIs('AWS::SQS::Queue', 2);
    expect(queueId).not.toBe(deadLetterId);
  });

  it('SQS-managed encryption, 4 days’ retention, a visibility timeout of six notice-worker timeouts (360 s), retained', () => {
    expect(6 * NOTICE_WORKER_TIMEOUT_SECONDS).toBe(360);
    stateful.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: FOUR_DAYS,
        VisibilityTimeout: 360,
        KmsMasterKeyId: Match.absent(),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(Object.keys(stateful.findResources('AWS::SQS::Queue', { Properties: { VisibilityTimeout: 360 } }))).toEqual([
      queueId,
    ]);
    expect(
      Object.keys(stateful.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: FOUR_DAYS } })),
    ).toEqual([queueId]);
  });

  it('a message received 5 times goes to the dead-letter queue', () => {
    expect(NOTICE_MAX_RECEIVES).toBe(5);
    const queue = stateful.toJSON().Resources[queueId] as { Properties: Json };
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('the dead-letter queue: SQS-managed encryption, 14 days (10 more than the notice queue), retained, no redrive of its own', () => {
    const dlq = stateful.toJSON().Resources[deadLetterId] as Json & { Properties: Json };
    expect(dlq).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: FOURTEEN_DAYS },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(dlq.Properties.RedrivePolicy).toBeUndefined();
    // a message keeps its first enqueue time when it moves: it has 10 days in the dead-letter queue
    const queue = stateful.toJSON().Resources[queueId] as { Properties: { MessageRetentionPeriod: number } };
    expect((dlq.Properties.MessageRetentionPeriod as number) - queue.Properties.MessageRetentionPeriod).toBe(
      10 * 86_400,
    );
  });

  it.each([
    ['notice queue', () => queueId],
    ['dead-letter queue', () => deadLetterId],
  ])('the %s refuses requests without TLS', (_, id) => {
    stateful.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { 'Fn::GetAtt': [id(), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('the month-end stack gets the queue by cross-stack reference, its ARN and its URL', () => {
    const outputs = Object.values(stateful.toJSON().Outputs as Record<string, { Value: unknown }>).map((o) => o.Value);
    expect(outputs).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [queueId, 'Arn'] }, { Ref: queueId }]));
  });
});

describe('cdk-nag AwsSolutions on the app with the month-end stack', () => {
  it.each(['dev', 'prod'])('%s: no unacknowledged findings, errors or warnings', (env) => {
    const { app } = build({ env });
    app.synth(); // the final tree; synth itself throws on a finding, with the report

    const report = new AwsSolutionsChecks().validateScope(app);

    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('with an account and a region, as `cdk synth` with credentials gives: no findings', () => {
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '123456789012');
    vi.stubEnv('CDK_DEFAULT_REGION', 'ap-east-1');
    try {
      const { app, monthEnd } = build();
      expect(monthEnd.region).toBe('ap-east-1');
      app.synth();

      const report = new AwsSolutionsChecks().validateScope(app);

      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the month-end stack acknowledges only IAM5 wildcards, each with its reason', () => {
    const { app, monthEnd } = build();
    app.synth();

    const acknowledged = monthEnd.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason] as const);

    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/^AwsSolutions-IAM5\[.+\]$/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
