// The notices stack as deployed: built in-process by infra/app.ts with the feature flags of
// cdk.json and bundling skipped (context aws:cdk:bundling-stacks = []). Assertions are on the
// properties that matter — the worker, its event source, its grants, its alarms — never a whole
// template. The reminder run, the channels' configuration (SES, webhook): app-infra.test.ts.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NOTICE_BATCH_SIZE,
  NOTICE_BATCHING_WINDOW_SECONDS,
  NOTICE_LEASE_SECONDS,
  NOTICE_WORKER_SERVICE,
} from '../../infra/stacks/notices-stack.ts';
import { NOTICE_WORKER_TIMEOUT_SECONDS } from '../../infra/stacks/stateful-stack.ts';
import {
  asArray,
  build,
  crossStackRef,
  expectToMatch,
  type Json,
  logicalId,
  type Statement,
} from '../support/cdk-app.ts';

describe('notices stack (dev)', () => {
  let stacks: ReturnType<typeof build>;
  let notices: Template;
  let fnId: string;
  let statements: Statement[];

  const logical = (construct: { node: { defaultChild?: unknown } }) =>
    stacks.stateful.getLogicalId(construct.node.defaultChild as never);
  const tableArn = () => crossStackRef(stacks.stateful, { 'Fn::GetAtt': [logical(stacks.stateful.table), 'Arn'] });
  const keyArn = () => crossStackRef(stacks.stateful, { 'Fn::GetAtt': [logical(stacks.stateful.tableKey), 'Arn'] });
  const queueArn = () =>
    crossStackRef(stacks.stateful, { 'Fn::GetAtt': [logical(stacks.stateful.noticeQueue), 'Arn'] });
  const withPrefix = (prefix: string) => statements.filter((s) => asArray(s.Action).some((a) => a.startsWith(prefix)));

  beforeAll(() => {
    stacks = build();
    notices = Template.fromStack(stacks.notices);
    fnId = logicalId(notices, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: NOTICE_WORKER_SERVICE }) },
    });
    const fn = notices.toJSON().Resources[fnId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    statements = Object.values(
      notices.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
  });

  it('is the stack TcmppSla-dev-Notices, after the stateful stack', () => {
    expect(stacks.notices.stackName).toBe('TcmppSla-dev-Notices');
    expect(stacks.notices.dependencies).toContain(stacks.stateful);
  });

  describe('the worker', () => {
    it('the worker and the reminder run: Node.js 24 on arm64, X-Ray, JSON logs into their own log groups; the worker 60 s', () => {
      expect(NOTICE_WORKER_TIMEOUT_SECONDS).toBe(60);
      notices.resourceCountIs('AWS::Lambda::Function', 2);
      expect(
        Object.keys(
          notices.findResources('AWS::Lambda::Function', {
            Properties: Match.objectLike({
              Runtime: 'nodejs24.x',
              Architectures: ['arm64'],
              TracingConfig: { Mode: 'Active' },
              LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
            }),
          }),
        ),
      ).toHaveLength(2);
      expect((notices.toJSON().Resources[fnId] as { Properties: Json }).Properties.Timeout).toBe(60);
      notices.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 14 }, 2);
    });

    it('its environment: the table, the lease, the dead-letter queue and max receives; no outbox, no channel configured in dev', () => {
      const tableName = crossStackRef(stacks.stateful, { Ref: logical(stacks.stateful.table) });
      const dlqUrl = crossStackRef(stacks.stateful, { Ref: logical(stacks.stateful.noticeDeadLetterQueue) });
      const fn = notices.toJSON().Resources[fnId] as { Properties: { Environment: { Variables: Json } } };
      expectToMatch(fn.Properties.Environment.Variables, {
        TABLE_NAME: tableName,
        NOTICE_LEASE_SECONDS: '120',
        NOTICE_DLQ_URL: dlqUrl,
        NOTICE_MAX_RECEIVES: '5',
        POWERTOOLS_SERVICE_NAME: 'notice-worker',
        POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('lease sizing: function timeout ≤ lease ≤ the notice queue’s visibility timeout', () => {
      const queue = Template.fromStack(stacks.stateful).toJSON().Resources[logical(stacks.stateful.noticeQueue)] as {
        Properties: { VisibilityTimeout: number };
      };
      expect(NOTICE_WORKER_TIMEOUT_SECONDS).toBeLessThanOrEqual(NOTICE_LEASE_SECONDS);
      expect(NOTICE_LEASE_SECONDS).toBeLessThanOrEqual(queue.Properties.VisibilityTimeout);
      expect(queue.Properties.VisibilityTimeout).toBe(360);
    });

    it('reads the notice queue: 10 a batch, a 5 s batching window, each failed message reported alone', () => {
      expect([NOTICE_BATCH_SIZE, NOTICE_BATCHING_WINDOW_SECONDS]).toEqual([10, 5]);
      notices.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      const [mapping] = Object.values(notices.findResources('AWS::Lambda::EventSourceMapping')) as [
        { Properties: Json },
      ];
      expectToMatch(mapping.Properties, {
        EventSourceArn: queueArn(),
        FunctionName: { Ref: fnId },
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Tags: Match.anyValue(),
      });
    });
  });

  describe('least privilege', () => {
    it('GetItem, Query and UpdateItem on the table itself, and nothing else of DynamoDB', () => {
      expectToMatch(withPrefix('dynamodb:'), [
        {
          Sid: 'SlaTableItems',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: tableArn(),
        },
      ]);
    });

    it('the table key, and only that key', () => {
      expectToMatch(withPrefix('kms:'), [
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
          Resource: keyArn(),
        },
      ]);
    });

    it('consumes the notice queue, as the event source grants it, sends to its dead-letter queue, and nothing else of SQS', () => {
      const dlqArn = crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [logical(stacks.stateful.noticeDeadLetterQueue), 'Arn'],
      });
      expectToMatch(withPrefix('sqs:'), [
        {
          Effect: 'Allow',
          Action: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
          ],
          Resource: queueArn(),
        },
        { Sid: 'NoticeDeadLetterSend', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: dlqArn },
      ]);
    });

    it('dev: no secret, no email, no other service; no AWS managed policy', () => {
      const services = new Set(statements.flatMap((s) => asArray(s.Action)).map((a) => a.split(':')[0]));
      expect([...services].sort()).toEqual(['dynamodb', 'kms', 'logs', 'sqs', 'xray']);
      const roles = notices.findResources('AWS::IAM::Role');
      // the worker's, the reminder run's, the reminder schedule's
      expect(Object.keys(roles)).toHaveLength(3);
      for (const role of Object.values(roles)) {
        expect((role as { Properties: Json }).Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('alarms', () => {
    it('the worker’s errors', () => {
      notices.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('a message in the notice dead-letter queue', () => {
      const dlqName = crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [logical(stacks.stateful.noticeDeadLetterQueue), 'QueueName'],
      });
      notices.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: dlqName }],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('a notice waiting on the notice queue for more than an hour', () => {
      const queueName = crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [logical(stacks.stateful.noticeQueue), 'QueueName'],
      });
      notices.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: queueName }],
        Statistic: 'Maximum',
        Threshold: 3600,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('failed notice messages in 2 of 3 five-minute periods (NoticeMessagesFailed of the worker)', () => {
      notices.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TcmppSla',
        MetricName: 'NoticeMessagesFailed',
        Dimensions: [{ Name: 'service', Value: NOTICE_WORKER_SERVICE }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('six alarms (the reminder run’s two: app-infra.test.ts), each notifying the topic when one is configured', () => {
      notices.resourceCountIs('AWS::CloudWatch::Alarm', 6);
      const topic = 'arn:aws:sns:ap-east-1:123456789012:sla-alarms';
      const withTopic = Template.fromStack(build({ alarmTopicArn: topic }).notices);
      withTopic.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [topic] }, 6);
    });
  });

  it('outputs the function name', () => {
    notices.hasOutput('NoticeWorkerFunctionName', { Value: { Ref: fnId } });
  });
});

describe('cdk-nag AwsSolutions on the app with the notices stack', () => {
  it.each(['dev', 'prod'])('%s: no unacknowledged findings, errors or warnings', (env) => {
    const { app } = build({ env });
    app.synth(); // the final tree; synth itself throws on a finding, with the report

    const report = new AwsSolutionsChecks().validateScope(app);

    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('the notices stack acknowledges only the IAM5 wildcards of tracing, the table key and the reminder schedule, each with its reason', () => {
    const { app, notices } = build();
    app.synth();

    const acknowledged = notices.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason] as const);

    const remindersArn = `<${notices.getLogicalId(notices.remindersFunction.node.defaultChild as never)}.Arn>`;
    expect([...new Set(acknowledged.map(([id]) => id))].sort()).toEqual([
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::${remindersArn}:*]`,
    ]);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
