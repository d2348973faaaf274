// The whole CDK app as deployed, across its six stacks: built in-process by infra/app.ts with the
// feature flags of cdk.json and bundling skipped. What holds for every function, schedule, queue,
// alarm and grant; the reminder run, claims intake and the dashboard; the channels' configuration;
// the configuration's checks. Assertions are on the properties that matter, never a whole template.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, ENVIRONMENTS } from '../../infra/config.ts';
import {
  CLAIMS_INTAKE_SERVICE,
  CLAIMS_RESERVED_CONCURRENCY,
  CLAIMS_TABLE_ACTIONS,
} from '../../infra/stacks/claims-stack.ts';
import { INGEST_TABLE_ACTIONS } from '../../infra/stacks/ingest-stack.ts';
import { MONTH_END_SERVICES, MONTH_END_TABLE_ACTIONS } from '../../infra/stacks/month-end-stack.ts';
import {
  NOTICE_REMINDERS_SERVICE,
  NOTICE_REMINDERS_TABLE_ACTIONS,
  NOTICE_WORKER_SERVICE,
  NOTICE_WORKER_TABLE_ACTIONS,
} from '../../infra/stacks/notices-stack.ts';
import { DASHBOARD_WIDGETS } from '../../infra/stacks/observability-stack.ts';
import { asArray, build, crossStackRef, expectToMatch, type Json, type Statement } from '../support/cdk-app.ts';

type Stacks = ReturnType<typeof build>;
type Resource = { Type: string; Properties: Json } & Json;

const TOPIC = 'arn:aws:sns:ap-east-1:123456789012:sla-alarms';
const IDENTITY = 'arn:aws:ses:ap-east-1:123456789012:identity/notices.example.com';
/** Every optional channel and setting configured from context. */
const CONFIGURED = {
  alarmTopicArn: TOPIC,
  sesFromAddress: 'sla@notices.example.com',
  sesIdentityArn: IDENTITY,
  sesConfigurationSet: 'tcmpp-sla-notices',
  webhookSecretName: 'tcmpp-sla/dev/webhook',
  claimsSecretName: 'tcmpp-sla/dev/claims',
  reminderDaysBefore: '10',
  reminderSchedule: 'cron(30 8 * * ? *)',
};

/** Every function of the app by Powertools service name, with the table actions its code calls. */
const TABLE_ACTIONS_BY_SERVICE: Record<string, readonly string[]> = {
  'probe-feed': INGEST_TABLE_ACTIONS,
  prober: INGEST_TABLE_ACTIONS,
  compaction: INGEST_TABLE_ACTIONS,
  [MONTH_END_SERVICES.plan]: MONTH_END_TABLE_ACTIONS.plan,
  [MONTH_END_SERVICES.evaluateBatch]: MONTH_END_TABLE_ACTIONS.evaluateBatch,
  [MONTH_END_SERVICES.summarise]: [],
  [MONTH_END_SERVICES.notifyBatch]: MONTH_END_TABLE_ACTIONS.notifyBatch,
  [NOTICE_WORKER_SERVICE]: NOTICE_WORKER_TABLE_ACTIONS,
  [NOTICE_REMINDERS_SERVICE]: NOTICE_REMINDERS_TABLE_ACTIONS,
  [CLAIMS_INTAKE_SERVICE]: CLAIMS_TABLE_ACTIONS,
};

const templatesOf = (stacks: Stacks) =>
  [stacks.stateful, stacks.ingest, stacks.monthEnd, stacks.notices, stacks.claims, stacks.observability].map(
    (stack) => ({ stack, template: Template.fromStack(stack) }),
  );

/** Every resource of a type across the app: [stack name, logical id, resource]. */
const resourcesOf = (stacks: Stacks, type: string): [string, string, Resource][] =>
  templatesOf(stacks).flatMap(({ stack, template }) =>
    Object.entries(template.findResources(type)).map(([id, r]) => [stack.stackName, id, r as Resource] as const),
  ) as [string, string, Resource][];

/** A function (by service name) and the statements of every policy attached to its role. */
const functionOf = (stacks: Stacks, service: string) => {
  const found = templatesOf(stacks).flatMap(({ stack, template }) =>
    Object.entries(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) } },
      }),
    ).map(([id, r]) => ({ stack, template, id, fn: r as Resource })),
  );
  expect(found, `one function of ${service}`).toHaveLength(1);
  const { stack, template, id, fn } = found[0] as (typeof found)[number];
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  ).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
  const environment = (fn.Properties.Environment as { Variables: Json }).Variables;
  return { stack, template, id, fn, statements, environment };
};

const actionsOf = (statements: Statement[], prefix: string): string[] =>
  statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith(prefix));

const logical = (stacks: Stacks, construct: { node: { defaultChild?: unknown } }) =>
  stacks.stateful.getLogicalId(construct.node.defaultChild as never);

/**
 * A template value with its intrinsics written out as plain words, so that a DashboardBody (a
 * Fn::Join of JSON text and tokens) parses as JSON: Ref → `ref:<id>`, GetAtt → `att:<id>.<attr>`,
 * a cross-stack output → what the producing stack publishes (`<stack>/ref:<id>`).
 */
const plain = (stacks: Stacks, value: unknown): string => {
  if (typeof value === 'string') return value;
  const [fn, arg] = Object.entries(value as Json)[0] as [string, unknown];
  if (fn === 'Ref') return `ref:${arg as string}`;
  if (fn === 'Fn::GetAtt') return `att:${(arg as string[]).join('.')}`;
  if (fn === 'Fn::Join') {
    const [delimiter, parts] = arg as [string, unknown[]];
    return parts.map((p) => plain(stacks, p)).join(delimiter);
  }
  if (fn === 'Fn::GetStackOutput') {
    const { StackName, OutputName } = arg as { StackName: string; OutputName: string };
    const producer = templatesOf(stacks).find(({ stack }) => stack.stackName === StackName);
    const outputs = producer?.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const output = outputs[OutputName];
    expect(output, `${StackName} output ${OutputName}`).toBeDefined();
    return `${StackName}/${plain(stacks, output?.Value)}`;
  }
  throw new Error(`an intrinsic the test cannot write out: ${JSON.stringify(value)}`);
};

interface DashboardWidget {
  type: string;
  width: number;
  properties: {
    title?: string;
    metrics?: unknown[][];
    alarms?: string[];
    markdown?: string;
    yAxis?: { left?: { min?: number; max?: number }; right?: { min?: number; max?: number } };
  };
}

const dashboardOf = (stacks: Stacks): { widgets: DashboardWidget[] } => {
  const dashboards = Template.fromStack(stacks.observability).findResources('AWS::CloudWatch::Dashboard');
  expect(Object.keys(dashboards)).toHaveLength(1);
  const [dashboard] = Object.values(dashboards) as [Resource];
  return JSON.parse(plain(stacks, dashboard.Properties.DashboardBody)) as { widgets: DashboardWidget[] };
};

describe('the app (dev)', () => {
  let stacks: Stacks;

  beforeAll(() => {
    stacks = build();
  });

  it('six stacks; the dashboard’s after all the others', () => {
    expect(templatesOf(stacks).map(({ stack }) => stack.stackName)).toEqual([
      'TcmppSla-dev-Stateful',
      'TcmppSla-dev-Ingest',
      'TcmppSla-dev-MonthEnd',
      'TcmppSla-dev-Notices',
      'TcmppSla-dev-Claims',
      'TcmppSla-dev-Observability',
    ]);
    for (const other of [stacks.stateful, stacks.ingest, stacks.monthEnd, stacks.notices, stacks.claims]) {
      expect(stacks.observability.dependencies).toContain(other);
    }
    expect(stacks.config).toMatchObject({ reminderDaysBefore: 7, reminderSchedule: 'cron(0 9 * * ? *)' });
  });

  describe('functions', () => {
    it('ten functions, every one Node.js 24 on arm64, X-Ray, JSON logs into its own log group', () => {
      const functions = resourcesOf(stacks, 'AWS::Lambda::Function');
      expect(functions).toHaveLength(10);
      for (const [stackName, id, fn] of functions) {
        expect(fn.Properties, `${stackName} ${id}`).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
      }
      const services = functions.map(
        ([, , fn]) => (fn.Properties.Environment as { Variables: Json }).Variables.POWERTOOLS_SERVICE_NAME,
      );
      expect(services.sort()).toEqual(Object.keys(TABLE_ACTIONS_BY_SERVICE).sort());
    });

    it('no plaintext secret in any environment: only secret ids, each naming a Secrets Manager secret', () => {
      for (const env of [{}, { env: 'prod' }, CONFIGURED]) {
        const app = build(env);
        const secretIds: [string, unknown][] = [];
        for (const [, id, fn] of resourcesOf(app, 'AWS::Lambda::Function')) {
          for (const [name, value] of Object.entries((fn.Properties.Environment as { Variables: Json }).Variables)) {
            if (/SECRET|TOKEN|PASSWORD|PRIVATE|API_?KEY|CREDENTIAL/i.test(name)) {
              expect(name, `${id} ${name}`).toMatch(/_SECRET_ID$/);
              secretIds.push([name, value]);
            }
          }
        }
        expect(secretIds.map(([name]) => name).sort()).toEqual(
          'webhookSecretName' in env || 'env' in env
            ? ['CLAIMS_SECRET_ID', 'FEED_TOKEN_SECRET_ID', 'WEBHOOK_SECRET_ID']
            : ['CLAIMS_SECRET_ID', 'FEED_TOKEN_SECRET_ID'],
        );
        // a secret of this app (its ARN, by cross-stack reference) or an imported one (its name)
        const names = new Set(
          [app.config.feedTokenSecretName, app.config.claimsSecretName, app.config.webhookSecretName].filter(
            (n) => n !== undefined,
          ),
        );
        for (const [name, value] of secretIds) {
          if (typeof value === 'string') expect(names.has(value), `${name}=${value}`).toBe(true);
          else expect(JSON.stringify(value), name).toContain('Fn::GetStackOutput');
        }
        // no secret value anywhere in a template
        for (const [, id, secret] of resourcesOf(app, 'AWS::SecretsManager::Secret')) {
          expect(secret.Properties.SecretString, id).toBeUndefined();
        }
      }
    });
  });

  describe('schedules', () => {
    it('five schedules, each in Asia/Shanghai with its expression', () => {
      const schedules = resourcesOf(stacks, 'AWS::Scheduler::Schedule').map(([stackName, , s]) => [
        stackName,
        s.Properties.ScheduleExpression,
        s.Properties.ScheduleExpressionTimezone,
      ]);
      expect(schedules.sort()).toEqual(
        [
          ['TcmppSla-dev-Ingest', 'rate(10 minutes)', 'Asia/Shanghai'],
          ['TcmppSla-dev-Ingest', 'rate(10 minutes)', 'Asia/Shanghai'],
          ['TcmppSla-dev-Ingest', 'cron(0 11 * * ? *)', 'Asia/Shanghai'],
          ['TcmppSla-dev-MonthEnd', 'cron(0 2 1 * ? *)', 'Asia/Shanghai'],
          ['TcmppSla-dev-Notices', 'cron(0 9 * * ? *)', 'Asia/Shanghai'],
        ].sort(),
      );
    });

    it('every function schedule retries and has a dead-letter queue of its stack, with an alarm on it', () => {
      const withFunctionTarget = resourcesOf(stacks, 'AWS::Scheduler::Schedule').filter(([, , s]) =>
        JSON.stringify((s.Properties.Target as Json).Arn).includes('Function'),
      );
      expect(withFunctionTarget).toHaveLength(4);
      for (const [stackName, id, schedule] of withFunctionTarget) {
        const target = schedule.Properties.Target as {
          DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } };
          RetryPolicy?: Json;
        };
        expect(target.RetryPolicy, `${stackName} ${id}`).toMatchObject({ MaximumRetryAttempts: 3 });
        const dlqId = target.DeadLetterConfig?.Arn['Fn::GetAtt'][0];
        const template = templatesOf(stacks).find(({ stack }) => stack.stackName === stackName)?.template;
        expect(template?.toJSON().Resources[dlqId as string]?.Type).toBe('AWS::SQS::Queue');
        template?.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    });
  });

  describe('queues, table, secrets at rest', () => {
    it('every queue: SQS-managed encryption, TLS only; each one a dead-letter queue or with a redrive to one', () => {
      const queues = resourcesOf(stacks, 'AWS::SQS::Queue');
      // notice queue and its DLQ (stateful), ingest DLQ, reminder DLQ
      expect(queues).toHaveLength(4);
      const policies = resourcesOf(stacks, 'AWS::SQS::QueuePolicy');
      const functions = resourcesOf(stacks, 'AWS::Lambda::Function');
      for (const [stackName, id, queue] of queues) {
        expect(queue.Properties.SqsManagedSseEnabled, `${stackName} ${id}`).toBe(true);
        expect(
          policies.some(
            ([s, , p]) =>
              s === stackName &&
              JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: id }]) &&
              JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
          ),
          `${id} refuses requests without TLS`,
        ).toBe(true);
        const isDeadLetterOf =
          queues.some(([, , q]) => JSON.stringify(q.Properties.RedrivePolicy ?? {}).includes(`"${id}"`)) ||
          functions.some(
            ([s, , f]) => s === stackName && JSON.stringify(f.Properties.DeadLetterConfig ?? {}).includes(`"${id}"`),
          );
        expect(isDeadLetterOf || queue.Properties.RedrivePolicy !== undefined, id).toBe(true);
      }
      const redriven = queues.filter(([, , q]) => q.Properties.RedrivePolicy !== undefined);
      expect(redriven).toHaveLength(1);
      expect((redriven[0] as [string, string, Resource])[2].Properties.RedrivePolicy).toMatchObject({
        maxReceiveCount: 5,
      });
    });

    it('the table: customer-managed KMS key, PITR, TTL on ttl', () => {
      const stateful = Template.fromStack(stacks.stateful);
      stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [logical(stacks, stacks.stateful.tableKey), 'Arn'] },
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('dev creates the feed token and the claims secrets (generated, retained); prod imports both by name', () => {
      const stateful = Template.fromStack(stacks.stateful);
      stateful.resourceCountIs('AWS::SecretsManager::Secret', 2);
      stateful.hasResource('AWS::SecretsManager::Secret', {
        Properties: Match.objectLike({ GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      Template.fromStack(build({ env: 'prod' }).stateful).resourceCountIs('AWS::SecretsManager::Secret', 0);
    });
  });

  describe('least privilege', () => {
    it.each(Object.entries(TABLE_ACTIONS_BY_SERVICE))(
      '%s: only the item actions its code calls, on the table itself',
      (service, expected) => {
        const { statements } = functionOf(stacks, service);
        const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
        if (expected.length === 0) {
          expect(dynamo).toEqual([]);
          return;
        }
        expect(dynamo).toHaveLength(1);
        const [statement] = dynamo as [Statement];
        expect([...asArray(statement.Action)].sort()).toEqual([...expected].sort());
        expectToMatch(
          statement.Resource,
          crossStackRef(stacks.stateful, { 'Fn::GetAtt': [logical(stacks, stacks.stateful.table), 'Arn'] }),
        );
      },
    );

    it('no policy in the app has a wildcard DynamoDB action, or Scan, DeleteItem, BatchWriteItem or a transaction', () => {
      for (const env of [{}, { env: 'prod' }, CONFIGURED]) {
        const every = resourcesOf(build(env), 'AWS::IAM::Policy').flatMap(([, , p]) =>
          (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => asArray(s.Action)),
        );
        const dynamo = every.filter((a) => a.startsWith('dynamodb:'));
        expect(dynamo.filter((a) => a.includes('*'))).toEqual([]);
        expect(new Set(dynamo)).toEqual(
          new Set([
            'dynamodb:BatchGetItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ]),
        );
        expect(every.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
      }
    });

    it('secrets: read by the feed and claims intake only in dev; by the worker too once a webhook secret is configured', () => {
      const readers = (app: Stacks) =>
        Object.keys(TABLE_ACTIONS_BY_SERVICE)
          .filter((service) => actionsOf(functionOf(app, service).statements, 'secretsmanager:').length > 0)
          .sort();
      expect(readers(stacks)).toEqual([CLAIMS_INTAKE_SERVICE, 'probe-feed']);
      expect(readers(build({ env: 'prod' }))).toEqual([CLAIMS_INTAKE_SERVICE, NOTICE_WORKER_SERVICE, 'probe-feed']);
      const configured = build(CONFIGURED);
      for (const service of readers(configured)) {
        expect(actionsOf(functionOf(configured, service).statements, 'secretsmanager:').sort()).toEqual([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ]);
      }
    });

    it('SES: nothing in dev; with the email channel configured, ses:SendEmail for the worker alone', () => {
      const sesActions = (app: Stacks) =>
        resourcesOf(app, 'AWS::IAM::Policy')
          .flatMap(([, , p]) =>
            (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => asArray(s.Action)),
          )
          .filter((a) => a.startsWith('ses:'));
      expect(sesActions(stacks)).toEqual([]);
      const configured = build(CONFIGURED);
      expect(sesActions(configured)).toEqual(['ses:SendEmail']);
      expect(actionsOf(functionOf(configured, NOTICE_WORKER_SERVICE).statements, 'ses:')).toEqual(['ses:SendEmail']);
    });

    it('no function role has an AWS managed policy', () => {
      for (const [, id, role] of resourcesOf(stacks, 'AWS::IAM::Role')) {
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      }
    });
  });

  describe('the reminder run (notices stack)', () => {
    it('its environment: the table, the notice queue, the reminder lead, the policy zone', () => {
      const { environment } = functionOf(stacks, NOTICE_REMINDERS_SERVICE);
      expectToMatch(environment, {
        TABLE_NAME: crossStackRef(stacks.stateful, { Ref: logical(stacks, stacks.stateful.table) }),
        NOTICE_QUEUE_URL: crossStackRef(stacks.stateful, { Ref: logical(stacks, stacks.stateful.noticeQueue) }),
        REMINDER_DAYS_BEFORE: '7',
        POLICY_TIME_ZONE: 'Asia/Shanghai',
        POWERTOOLS_SERVICE_NAME: NOTICE_REMINDERS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('sends to the notice queue (SendMessage only) and, a failed run, to its dead-letter queue; the table key; nothing else', () => {
      const { statements } = functionOf(stacks, NOTICE_REMINDERS_SERVICE);
      const dlqId = stacks.notices.getLogicalId(stacks.notices.reminderDeadLetterQueue.node.defaultChild as never);
      expectToMatch(
        statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('sqs:'))),
        [
          // Lambda's asynchronous dead-letter queue
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          {
            Sid: 'NoticeQueueSend',
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: crossStackRef(stacks.stateful, {
              'Fn::GetAtt': [logical(stacks, stacks.stateful.noticeQueue), 'Arn'],
            }),
          },
        ],
      );
      const services = new Set(statements.flatMap((s) => asArray(s.Action)).map((a) => a.split(':')[0]));
      expect([...services].sort()).toEqual(['dynamodb', 'kms', 'logs', 'sqs', 'xray']);
    });

    it('runs daily at 09:00 Asia/Shanghai, retried, its ticks and failed runs into the reminder dead-letter queue', () => {
      const { template, id } = functionOf(stacks, NOTICE_REMINDERS_SERVICE);
      const dlqId = stacks.notices.getLogicalId(stacks.notices.reminderDeadLetterQueue.node.defaultChild as never);
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 9 * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [id, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21_600 },
        }),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: NOTICE_REMINDERS_SERVICE }) },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    });
  });

  describe('claims intake (claims stack)', () => {
    it('a function URL without IAM auth (the handler checks the HMAC signature), buffered, output', () => {
      const { template, id } = functionOf(stacks, CLAIMS_INTAKE_SERVICE);
      template.resourceCountIs('AWS::Lambda::Url', 1);
      template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'NONE',
        InvokeMode: 'BUFFERED',
        TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunctionUrl',
        FunctionUrlAuthType: 'NONE',
        Principal: '*',
      });
      const urlId = Object.keys(template.findResources('AWS::Lambda::Url'))[0];
      template.hasOutput('ClaimsIntakeUrl', { Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } });
    });

    it(`reserved concurrency ${CLAIMS_RESERVED_CONCURRENCY}, a webhook-sized timeout, no async retries to configure`, () => {
      const { fn } = functionOf(stacks, CLAIMS_INTAKE_SERVICE);
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(10);
      expect(fn.Properties.Timeout).toBe(15);
      expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    });

    it('its environment: the table, the claims secret’s ARN (dev) or name (prod), the policy zone', () => {
      const secretArn = crossStackRef(stacks.stateful, {
        Ref: logical(stacks, stacks.stateful.node.findChild('ClaimsSecret') as never),
      });
      expectToMatch(functionOf(stacks, CLAIMS_INTAKE_SERVICE).environment, {
        TABLE_NAME: crossStackRef(stacks.stateful, { Ref: logical(stacks, stacks.stateful.table) }),
        CLAIMS_SECRET_ID: secretArn,
        POLICY_TIME_ZONE: 'Asia/Shanghai',
        POWERTOOLS_SERVICE_NAME: CLAIMS_INTAKE_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
        NODE_OPTIONS: '--enable-source-maps',
      });
      const prod = functionOf(build({ env: 'prod' }), CLAIMS_INTAKE_SERVICE);
      expect(prod.environment.CLAIMS_SECRET_ID).toBe(ENVIRONMENTS.prod.claimsSecretName);
      const read = prod.statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('secretsmanager:')));
      expect(read).toHaveLength(1);
      expect(JSON.stringify((read[0] as Statement).Resource)).toMatch(
        /:secret:tcmpp-sla\/prod\/claims-intake-signing-secret-\?\?\?\?\?\?"/,
      );
    });
  });

  describe('alarms', () => {
    /** Every alarm the brief asks for: stack, id prefix, metric. */
    const EXPECTED: [string, string, Json][] = [
      ['Ingest', 'FeedErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['Ingest', 'ProberErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['Ingest', 'CompactionErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['Ingest', 'FeedQuarantinedRecordsAlarm', { Namespace: 'TcmppSla', MetricName: 'QuarantinedRecords' }],
      ['Ingest', 'ProberQuarantinedRecordsAlarm', { Namespace: 'TcmppSla', MetricName: 'QuarantinedRecords' }],
      ['Ingest', 'FeedProbeResultsLowAlarm', { Namespace: 'TcmppSla', MetricName: 'ProbeResults' }],
      ['Ingest', 'ProberProbeResultsLowAlarm', { Namespace: 'TcmppSla', MetricName: 'ProbeResults' }],
      ['Ingest', 'FeedProbeCoverageAlarm', { Namespace: 'TcmppSla', MetricName: 'ProbeCoveragePercent' }],
      ['Ingest', 'ProberProbeCoverageAlarm', { Namespace: 'TcmppSla', MetricName: 'ProbeCoveragePercent' }],
      ['Ingest', 'DeadLetterQueueAlarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }],
      ['MonthEnd', 'ExecutionsFailedAlarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed' }],
      ['MonthEnd', 'ExecutionsTimedOutAlarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsTimedOut' }],
      ['MonthEnd', 'ExecutionsAbortedAlarm', { Namespace: 'AWS/States', MetricName: 'ExecutionsAborted' }],
      ['MonthEnd', 'AccountsFailedAlarm', { Namespace: 'TcmppSla', MetricName: 'AccountsFailed' }],
      ['MonthEnd', 'NoticeAccountsFailedAlarm', { Namespace: 'TcmppSla', MetricName: 'NoticeAccountsFailed' }],
      ['MonthEnd', 'ScheduleDroppedAlarm', { Namespace: 'AWS/Scheduler', MetricName: 'InvocationDroppedCount' }],
      ['Notices', 'ErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['Notices', 'NoticeFailuresAlarm', { Namespace: 'TcmppSla', MetricName: 'NoticeMessagesFailed' }],
      ['Notices', 'DeadLetterQueueAlarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' }],
      ['Notices', 'OldestNoticeAlarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage' }],
      ['Notices', 'RemindersErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      [
        'Notices',
        'ReminderDeadLetterQueueAlarm',
        { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' },
      ],
      ['Claims', 'ErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' }],
      ['Claims', 'ServerErrorsAlarm', { Namespace: 'AWS/Lambda', MetricName: 'Url5xxCount' }],
    ];

    it('every alarm exists with its metric, and there are no others', () => {
      const alarms = resourcesOf(stacks, 'AWS::CloudWatch::Alarm');
      const found = EXPECTED.map(([stack, prefix, metric]) => {
        const matching = alarms.filter(
          ([stackName, id]) =>
            stackName === `TcmppSla-dev-${stack}` &&
            id.startsWith(prefix) &&
            /^[A-F0-9]{8}$/.test(id.slice(prefix.length)),
        );
        expect(matching, `${stack} ${prefix}`).toHaveLength(1);
        const [, id, alarm] = matching[0] as [string, string, Resource];
        expect(alarm.Properties, id).toMatchObject(metric);
        return id;
      });
      expect(alarms.map(([, id]) => id).sort()).toEqual(found.sort());
    });

    it('the alarms of each function’s errors name that function', () => {
      for (const [service, stackAlarm] of [
        [NOTICE_REMINDERS_SERVICE, 'RemindersErrorsAlarm'],
        [CLAIMS_INTAKE_SERVICE, 'ErrorsAlarm'],
      ] as const) {
        const { template, id } = functionOf(stacks, service);
        const alarms = template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }] },
        });
        expect(Object.keys(alarms), service).toEqual([expect.stringMatching(new RegExp(`^${stackAlarm}`))]);
      }
    });

    it('claims: 5xx answers of its function URL, by function name', () => {
      const { template, id } = functionOf(stacks, CLAIMS_INTAKE_SERVICE);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Url5xxCount',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it('every alarm of the app notifies the topic when one is configured, and none without', () => {
      expect(resourcesOf(stacks, 'AWS::CloudWatch::Alarm').filter(([, , a]) => a.Properties.AlarmActions)).toEqual([]);
      const alarms = resourcesOf(build({ alarmTopicArn: TOPIC }), 'AWS::CloudWatch::Alarm');
      expect(alarms).toHaveLength(EXPECTED.length);
      for (const [, id, alarm] of alarms) expect(alarm.Properties.AlarmActions, id).toEqual([TOPIC]);
    });
  });

  describe('dashboard (observability stack)', () => {
    let widgets: DashboardWidget[];
    const widget = (title: string): DashboardWidget => {
      const found = widgets.filter((w) => w.properties.title === title);
      expect(found, title).toHaveLength(1);
      return found[0] as DashboardWidget;
    };
    /** A widget's metrics as `namespace name dimension=value …` lines. */
    const linesOf = (title: string): string[] =>
      (widget(title).properties.metrics ?? []).map((m) =>
        m
          .filter((part) => typeof part === 'string')
          .join(' ')
          .replace(/ (\S+) (\S+)/g, ' $1=$2'),
      );

    beforeAll(() => {
      widgets = dashboardOf(stacks).widgets;
    });

    it('one dashboard, TcmppSla-dev, with every widget, none wider than the screen', () => {
      Template.fromStack(stacks.observability).hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: 'TcmppSla-dev',
      });
      const titles = widgets.map((w) => w.properties.title).filter((t) => t !== undefined);
      expect(titles.sort()).toEqual(Object.values(DASHBOARD_WIDGETS).sort());
      for (const w of widgets) expect(w.width).toBeLessThanOrEqual(24);
    });

    it('the alarm status widget shows every alarm of the app', () => {
      const alarms = widget(DASHBOARD_WIDGETS.alarms).properties.alarms ?? [];
      const ids = resourcesOf(stacks, 'AWS::CloudWatch::Alarm').map(([stackName, id]) => `${stackName}/att:${id}.Arn`);
      expect(alarms.sort()).toEqual(ids.sort());
    });

    it('ingest: probe results and quarantined records per source, errors with the DLQ, duration', () => {
      expect(linesOf(DASHBOARD_WIDGETS.probeResults)).toEqual([
        'TcmppSla ProbeResults=service probe-feed',
        'TcmppSla ProbeResults=service prober',
      ]);
      expect(linesOf(DASHBOARD_WIDGETS.quarantined)).toEqual([
        'TcmppSla QuarantinedRecords=service probe-feed',
        'TcmppSla QuarantinedRecords=service prober',
      ]);
      const errors = linesOf(DASHBOARD_WIDGETS.ingestErrors);
      expect(errors.filter((l) => l.startsWith('AWS/Lambda Errors='))).toHaveLength(3);
      expect(errors.filter((l) => l.startsWith('AWS/SQS ApproximateNumberOfMessagesVisible='))).toHaveLength(1);
      expect(
        linesOf(DASHBOARD_WIDGETS.ingestDuration).filter((l) => l.startsWith('AWS/Lambda Duration=')),
      ).toHaveLength(3);
    });

    it('ingest: probe coverage per source — the lowest percent (left, 0–100) and accounts without probes (right)', () => {
      const coverage = widget(DASHBOARD_WIDGETS.probeCoverage);
      expect(linesOf(DASHBOARD_WIDGETS.probeCoverage)).toEqual([
        'TcmppSla ProbeCoveragePercent=service probe-feed',
        'TcmppSla ProbeCoveragePercent=service prober',
        'TcmppSla AccountsWithoutProbes=service probe-feed',
        'TcmppSla AccountsWithoutProbes=service prober',
      ]);
      const options = (coverage.properties.metrics ?? []).map((m) => m.at(-1) as { stat?: string; yAxis?: string });
      expect(options.map((o) => [o.stat, o.yAxis ?? 'left'])).toEqual([
        ['Minimum', 'left'],
        ['Minimum', 'left'],
        ['Maximum', 'right'],
        ['Maximum', 'right'],
      ]);
      expect(coverage.properties.yAxis?.left).toMatchObject({ min: 0, max: 100 });
      // the ingest rows stay within the screen: results, coverage, quarantined; errors, duration
      const ingestWidths = [
        DASHBOARD_WIDGETS.probeResults,
        DASHBOARD_WIDGETS.probeCoverage,
        DASHBOARD_WIDGETS.quarantined,
        DASHBOARD_WIDGETS.ingestErrors,
        DASHBOARD_WIDGETS.ingestDuration,
      ].map((title) => widget(title).width);
      expect(ingestWidths).toEqual([6, 12, 6, 12, 12]);
    });

    it('month-end: executions started, succeeded, failed, timed out, aborted; Map failures by Map label', () => {
      const stateMachine = `TcmppSla-dev-MonthEnd/ref:${stacks.monthEnd.getLogicalId(stacks.monthEnd.stateMachine.node.defaultChild as never)}`;
      expect(linesOf(DASHBOARD_WIDGETS.executions)).toEqual(
        ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map(
          (name) => `AWS/States ${name}=StateMachineArn ${stateMachine}`,
        ),
      );
      expect(linesOf(DASHBOARD_WIDGETS.mapFailures)).toEqual([
        `AWS/States ExecutionsFailed=StateMachineArn ${stateMachine}/EvaluateBatches`,
        `AWS/States ExecutionsFailed=StateMachineArn ${stateMachine}/NotifyBatches`,
        `AWS/States ExecutionsTimedOut=StateMachineArn ${stateMachine}/EvaluateBatches`,
        `AWS/States ExecutionsTimedOut=StateMachineArn ${stateMachine}/NotifyBatches`,
        'TcmppSla AccountsFailed=service month-end-evaluate-batch',
        'TcmppSla NoticeAccountsFailed=service month-end-notify-batch',
      ]);
    });

    it('notices: queue depth and age of the oldest, dead-letter queues, delivered/failed/duplicates, reminders', () => {
      const queue = linesOf(DASHBOARD_WIDGETS.noticeQueue);
      expect(queue.map((l) => l.split('=')[0])).toEqual([
        'AWS/SQS ApproximateNumberOfMessagesVisible',
        'AWS/SQS ApproximateNumberOfMessagesNotVisible',
        'AWS/SQS ApproximateAgeOfOldestMessage',
      ]);
      expect(linesOf(DASHBOARD_WIDGETS.noticeDeadLetters)).toHaveLength(2);
      expect(linesOf(DASHBOARD_WIDGETS.noticeDelivery)).toEqual(
        expect.arrayContaining([
          'TcmppSla NoticesDelivered=service notice-worker',
          'TcmppSla NoticeMessagesFailed=service notice-worker',
          'TcmppSla NoticeDuplicateMessages=service notice-worker',
        ]),
      );
      expect(linesOf(DASHBOARD_WIDGETS.reminders)).toContain('TcmppSla RemindersQueued=service notice-reminders');
    });

    it('claims: accepted and rejected (what claims intake emits), and the URL’s answers', () => {
      expect(linesOf(DASHBOARD_WIDGETS.claimVerdicts)).toEqual(
        expect.arrayContaining([
          'TcmppSla ClaimsAccepted=service claims-intake',
          'TcmppSla ClaimsRejected=service claims-intake',
        ]),
      );
      expect(linesOf(DASHBOARD_WIDGETS.claimRequests).map((l) => l.split('=')[0])).toEqual([
        'AWS/Lambda UrlRequestCount',
        'AWS/Lambda Url4xxCount',
        'AWS/Lambda Url5xxCount',
      ]);
    });

    it('Lambda: errors and throttles of each of the ten functions', () => {
      const functions = resourcesOf(stacks, 'AWS::Lambda::Function').map(([stackName, id]) => `${stackName}/ref:${id}`);
      for (const [title, name] of [
        [DASHBOARD_WIDGETS.lambdaErrors, 'Errors'],
        [DASHBOARD_WIDGETS.lambdaThrottles, 'Throttles'],
      ] as const) {
        expect(linesOf(title).sort()).toEqual(functions.map((f) => `AWS/Lambda ${name}=FunctionName ${f}`).sort());
      }
    });

    it('DynamoDB: consumed read and write capacity, read and write throttles of the table', () => {
      const table = `TcmppSla-dev-Stateful/ref:${logical(stacks, stacks.stateful.table)}`;
      expect(linesOf(DASHBOARD_WIDGETS.dynamoCapacity)).toEqual([
        `AWS/DynamoDB ConsumedReadCapacityUnits=TableName ${table}`,
        `AWS/DynamoDB ConsumedWriteCapacityUnits=TableName ${table}`,
      ]);
      expect(linesOf(DASHBOARD_WIDGETS.dynamoThrottles)).toEqual([
        `AWS/DynamoDB ReadThrottleEvents=TableName ${table}`,
        `AWS/DynamoDB WriteThrottleEvents=TableName ${table}`,
      ]);
    });
  });
});

describe('channels and settings from context', () => {
  let stacks: Stacks;

  beforeAll(() => {
    stacks = build(CONFIGURED);
  });

  it('email: SES_FROM_ADDRESS and SES_CONFIGURATION_SET; ses:SendEmail on the identity and the configuration set, from that address only', () => {
    const worker = functionOf(stacks, NOTICE_WORKER_SERVICE);
    expect(worker.environment).toMatchObject({
      SES_FROM_ADDRESS: 'sla@notices.example.com',
      SES_CONFIGURATION_SET: 'tcmpp-sla-notices',
    });
    expectToMatch(
      worker.statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('ses:'))),
      [
        {
          Sid: 'SesSendEmail',
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: ['arn:aws:ses:ap-east-1:123456789012:configuration-set/tcmpp-sla-notices', IDENTITY],
          Condition: { StringEquals: { 'ses:FromAddress': 'sla@notices.example.com' } },
        },
      ],
    );
  });

  it('email without a configuration set: the identity alone, no SES_CONFIGURATION_SET', () => {
    const worker = functionOf(
      build({ sesFromAddress: 'sla@notices.example.com', sesIdentityArn: IDENTITY }),
      NOTICE_WORKER_SERVICE,
    );
    expect(worker.environment.SES_CONFIGURATION_SET).toBeUndefined();
    const ses = worker.statements.filter((s) => asArray(s.Action).includes('ses:SendEmail'));
    expect(ses.map((s) => s.Resource)).toEqual([IDENTITY]);
  });

  it('webhook: WEBHOOK_SECRET_ID is the secret’s name; read on that secret only', () => {
    const worker = functionOf(stacks, NOTICE_WORKER_SERVICE);
    expect(worker.environment.WEBHOOK_SECRET_ID).toBe('tcmpp-sla/dev/webhook');
    const read = worker.statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(read).toHaveLength(1);
    expect(JSON.stringify((read[0] as Statement).Resource)).toMatch(/:secret:tcmpp-sla\/dev\/webhook-\?\?\?\?\?\?"/);
  });

  it('claims secret by name: none created; CLAIMS_SECRET_ID is the name', () => {
    expect(stacks.stateful.node.tryFindChild('ClaimsSecret')).toBeUndefined();
    expect(functionOf(stacks, CLAIMS_INTAKE_SERVICE).environment.CLAIMS_SECRET_ID).toBe('tcmpp-sla/dev/claims');
  });

  it('the reminder lead reaches the reminder run and notify-batch; the reminder schedule its schedule', () => {
    expect(functionOf(stacks, NOTICE_REMINDERS_SERVICE).environment.REMINDER_DAYS_BEFORE).toBe('10');
    expect(functionOf(stacks, MONTH_END_SERVICES.notifyBatch).environment.REMINDER_DAYS_BEFORE).toBe('10');
    Template.fromStack(stacks.notices).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 8 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
    });
    // a number from cdk.json's context is taken as well as the string -c gives
    expect(build({ reminderDaysBefore: 3 }).config.reminderDaysBefore).toBe(3);
    expect(DEFAULTS.reminderDaysBefore).toBe(7);
  });

  it('the probe coverage threshold: 95 by default, 1 to 100 from context (a number or its digits)', () => {
    expect(DEFAULTS.probeCoverageMinPercent).toBe(95);
    expect(build().config.probeCoverageMinPercent).toBe(95);
    expect(build({ probeCoverageMinPercent: '100' }).config.probeCoverageMinPercent).toBe(100);
    expect(build({ probeCoverageMinPercent: 1 }).config.probeCoverageMinPercent).toBe(1);
  });

  it.each([
    ['reminderDaysBefore', 'abc', /context reminderDaysBefore must be a whole number of days from 1 to 30, got "abc"/],
    ['reminderDaysBefore', '0', /reminderDaysBefore must be a whole number of days from 1 to 30, got "0"/],
    ['reminderDaysBefore', '31', /reminderDaysBefore must be a whole number of days from 1 to 30/],
    [
      'probeCoverageMinPercent',
      '0',
      /context probeCoverageMinPercent must be a whole percentage from 1 to 100, got "0"/,
    ],
    ['probeCoverageMinPercent', '101', /probeCoverageMinPercent must be a whole percentage from 1 to 100, got "101"/],
    ['probeCoverageMinPercent', 'high', /probeCoverageMinPercent must be a whole percentage from 1 to 100/],
    ['probeCoverageMinPercent', 95.5, /probeCoverageMinPercent must be a whole percentage from 1 to 100, got 95.5/],
    ['reminderSchedule', 'daily at 9', /context reminderSchedule must be a schedule expression.*got "daily at 9"/],
    ['reminderSchedule', 'cron(0 9 * *)', /reminderSchedule must be a schedule expression/],
    ['feedSchedule', 'rate(0 minutes)', /feedSchedule must be a schedule expression/],
    ['feedBaseUrl', 'http://feed.test/', /context feedBaseUrl must be an https URL, got "http:\/\/feed.test\/"/],
    ['feedBaseUrl', '', /context feedBaseUrl must be a non-empty string/],
    ['alarmTopicArn', 'sla-alarms', /context alarmTopicArn must be an SNS topic ARN, got "sla-alarms"/],
    ['webhookSecretName', 'my secret', /context webhookSecretName must be a Secrets Manager secret name/],
    ['claimsSecretName', 42, /context claimsSecretName must be a non-empty string, got 42/],
    ['sesIdentityArn', 'notices.example.com', /context sesIdentityArn must be an SES identity ARN/],
    ['sesFromAddress', 'not-an-address', /context sesFromAddress must be an email address/],
  ])('refuses %s=%j with an error naming it', (key, value, message) => {
    expect(() => build({ [key]: value })).toThrow(message);
  });

  it.each([
    [{ sesFromAddress: 'sla@notices.example.com' }, /sesFromAddress and sesIdentityArn go together/],
    [{ sesIdentityArn: IDENTITY }, /sesFromAddress and sesIdentityArn go together/],
    [{ sesConfigurationSet: 'set' }, /sesConfigurationSet needs the email channel/],
    [
      { sesFromAddress: 'sla@other.example.com', sesIdentityArn: IDENTITY },
      /sesFromAddress sla@other.example.com is not covered by the SES identity notices.example.com/,
    ],
  ])('refuses an inconsistent email channel %j', (context, message) => {
    expect(() => build(context)).toThrow(message);
  });

  it('an address identity covers that address only; a domain identity its subdomains too', () => {
    const address = 'arn:aws:ses:ap-east-1:123456789012:identity/sla@notices.example.com';
    expect(() => build({ sesFromAddress: 'sla@notices.example.com', sesIdentityArn: address })).not.toThrow();
    expect(() => build({ sesFromAddress: 'ops@notices.example.com', sesIdentityArn: address })).toThrow(/not covered/);
    expect(() => build({ sesFromAddress: 'sla@mail.notices.example.com', sesIdentityArn: IDENTITY })).not.toThrow();
  });
});

describe('cdk-nag AwsSolutions on the whole app', () => {
  it.each([
    ['dev', {}],
    ['prod', { env: 'prod' }],
    ['every channel configured', CONFIGURED],
  ])('%s: no unacknowledged findings', (_, context) => {
    const { app } = build(context);
    app.synth(); // the final tree; synth itself throws on a finding, with the report

    const report = new AwsSolutionsChecks().validateScope(app);

    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });

  it('with an account and a region, as `cdk synth` with credentials gives: no findings', () => {
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '123456789012');
    vi.stubEnv('CDK_DEFAULT_REGION', 'ap-east-1');
    try {
      const { app } = build(CONFIGURED);
      app.synth();

      expect(new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the claims and observability stacks acknowledge only IAM5 wildcards (tracing, table key), each with its reason', () => {
    const { app, claims, observability, stateful } = build();
    app.synth();
    const acknowledged = (scope: Construct) =>
      scope.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
        .flatMap((m) => Object.entries(m.data as Record<string, string>))
        .map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason] as const);

    expect([...new Set(acknowledged(claims).map(([id]) => id))].sort()).toEqual([
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'AwsSolutions-IAM5[Resource::*]',
    ]);
    expect(acknowledged(observability)).toEqual([]);
    // the two secrets StatefulStack makes: no rotation Lambda of ours can rotate a key another party holds
    expect(acknowledged(stateful).map(([id]) => id)).toEqual(['AwsSolutions-SMG4', 'AwsSolutions-SMG4']);
    for (const [, reason] of [...acknowledged(claims), ...acknowledged(stateful)]) {
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});

describe('what an operator reads off the stacks, and what a redeploy needs gone', () => {
  it('the stateful stack names the table and the notice queues as outputs (for --table, --queue-url, --dlq-url)', () => {
    const stacks = build();
    const outputs = Template.fromStack(stacks.stateful).toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.TableName?.Value).toEqual({ Ref: logical(stacks, stacks.stateful.table) });
    expect(outputs.NoticeQueueUrl?.Value).toEqual({ Ref: logical(stacks, stacks.stateful.noticeQueue) });
    expect(outputs.NoticeDeadLetterQueueUrl?.Value).toEqual({
      Ref: logical(stacks, stacks.stateful.noticeDeadLetterQueue),
    });
  });

  it('the month-end schedule group and state machine log group (fixed names) go with their stack; the table and queues stay', () => {
    const stacks = build();
    const monthEnd = Template.fromStack(stacks.monthEnd);
    monthEnd.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
    monthEnd.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ LogGroupName: '/aws/vendedlogs/states/tcmpp-sla-dev-month-end' }),
    });
    const stateful = Template.fromStack(stacks.stateful);
    stateful.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    stateful.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });
});
