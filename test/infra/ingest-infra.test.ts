// The CDK app as deployed: stacks built in-process by infra/app.ts with the feature flags of
// cdk.json and bundling skipped (context aws:cdk:bundling-stacks = []), except one test that
// bundles a function for real. Assertions are on the properties that matter, never a whole template.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SlaFunction } from '../../infra/constructs/sla-function.ts';
import {
  appWith,
  asArray,
  build,
  crossStackRef,
  expectToMatch,
  type Json,
  logicalId,
  type Statement,
} from '../support/cdk-app.ts';

const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];

/** The statements of every policy attached to the role of the function with this service name. */
const statementsOfFunction = (template: Template, serviceName: string): Statement[] => {
  const fnId = logicalId(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: serviceName }) },
  });
  const fn = template.toJSON().Resources[fnId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  expect(Object.keys(policies).length).toBeGreaterThan(0);
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
};

describe('dev (default environment)', () => {
  let stacks: ReturnType<typeof build>;
  let stateful: Template;
  let ingest: Template;

  beforeAll(() => {
    stacks = build();
    stateful = Template.fromStack(stacks.stateful);
    ingest = Template.fromStack(stacks.ingest);
  });

  it('is the dev environment when no -c env is given', () => {
    expect(stacks.envName).toBe('dev');
    expect(stacks.stateful.stackName).toBe('TcmppSla-dev-Stateful');
    expect(stacks.ingest.stackName).toBe('TcmppSla-dev-Ingest');
  });

  describe('stateful stack', () => {
    it('has the single table: pk/sk strings, on demand, PITR, TTL on ttl, deletion protection', () => {
      stateful.resourceCountIs('AWS::DynamoDB::Table', 1);
      stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: Match.absent(),
      });
    });

    it('encrypts the table with its own customer-managed key, rotated', () => {
      const keyId = logicalId(stateful, 'AWS::KMS::Key', { EnableKeyRotation: true });
      stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      });
    });

    it('retains the table, its key and the feed token secret when the stack goes', () => {
      for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::SecretsManager::Secret']) {
        stateful.hasResource(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    });
  });

  describe('ingest functions', () => {
    it('run Node.js 24 on arm64 with X-Ray, JSON logs into their own log group', () => {
      ingest.resourceCountIs('AWS::Lambda::Function', 3);
      const functions = ingest.findResources('AWS::Lambda::Function', {
        Properties: Match.objectLike({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
        }),
      });
      expect(Object.keys(functions)).toHaveLength(3);
      ingest.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 14 }, 3);
    });

    it('feed: the table, the time zone, retention, the feed settings and the Powertools defaults', () => {
      const tableName = crossStackRef(stacks.stateful, {
        Ref: stacks.stateful.getLogicalId(stacks.stateful.table.node.defaultChild as never),
      });
      const secretArn = crossStackRef(stacks.stateful, {
        Ref: stacks.stateful.getLogicalId(stacks.stateful.node.findChild('FeedTokenSecret').node.defaultChild as never),
      });
      ingest.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            TABLE_NAME: tableName,
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            RETENTION_DAYS_AFTER_CLAIM_CLOSE: '30',
            FEED_BASE_URL: 'https://probe-feed.dev.tcmpp-sla.example.com',
            FEED_TOKEN_SECRET_ID: secretArn,
            FEED_WINDOW_MINUTES: '60',
            FEED_LAG_MINUTES: '10',
            POWERTOOLS_SERVICE_NAME: 'probe-feed',
            POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    });

    it('prober: 12 minutes, no async retry, the prober settings', () => {
      ingest.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 720,
        Environment: {
          Variables: Match.objectLike({
            TABLE_NAME: Match.anyValue(),
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            RETENTION_DAYS_AFTER_CLAIM_CLOSE: '30',
            PROBER_TIMEOUT_MS: '5000',
            PROBER_CONCURRENCY: '32',
            PROBER_ROUNDS: '10',
            PROBER_ROUND_INTERVAL_MS: '60000',
            POWERTOOLS_SERVICE_NAME: 'prober',
            POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
          }),
        },
      });
      const proberId = logicalId(ingest, 'AWS::Lambda::Function', { Timeout: 720 });
      ingest.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: proberId },
        MaximumRetryAttempts: 0,
      });
    });

    it('compaction: 15 minutes, the table, the time zone, retention and the compaction settings', () => {
      const tableName = crossStackRef(stacks.stateful, {
        Ref: stacks.stateful.getLogicalId(stacks.stateful.table.node.defaultChild as never),
      });
      ingest.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 900,
        Environment: {
          Variables: {
            TABLE_NAME: tableName,
            POLICY_TIME_ZONE: 'Asia/Shanghai',
            RETENTION_DAYS_AFTER_CLAIM_CLOSE: '30',
            COMPACTION_MAX_DAYS_PER_RUN: '3',
            COMPACTION_CONCURRENCY: '16',
            POWERTOOLS_SERVICE_NAME: 'compaction',
            POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
      const compactionId = logicalId(ingest, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'compaction' }) },
      });
      ingest.hasOutput('CompactionFunctionName', { Value: { Ref: compactionId } });
    });
  });

  describe('least privilege', () => {
    it.each(['probe-feed', 'prober', 'compaction'])(
      '%s may only Query, GetItem, PutItem, UpdateItem on the table itself',
      (service) => {
        const tableArn = crossStackRef(stacks.stateful, {
          'Fn::GetAtt': [stacks.stateful.getLogicalId(stacks.stateful.table.node.defaultChild as never), 'Arn'],
        });
        const dynamo = statementsOfFunction(ingest, service).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith('dynamodb:')),
        );

        expect(dynamo).toHaveLength(1);
        const [statement] = dynamo as [Statement];
        expect(statement.Effect).toBe('Allow');
        expect([...asArray(statement.Action)].sort()).toEqual(TABLE_ACTIONS);
        // one resource, the table's ARN: no index ARNs, no wildcard
        expectToMatch(statement.Resource, tableArn);
      },
    );

    it.each(['probe-feed', 'prober', 'compaction'])('%s may use the table key, and only that key', (service) => {
      const keyArn = crossStackRef(stacks.stateful, {
        'Fn::GetAtt': [stacks.stateful.getLogicalId(stacks.stateful.tableKey.node.defaultChild as never), 'Arn'],
      });
      const kms = statementsOfFunction(ingest, service).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('kms:')),
      );

      expect(kms).toHaveLength(1);
      expect(asArray((kms[0] as Statement).Action)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt']));
      expectToMatch((kms[0] as Statement).Resource, keyArn);
    });

    it('only the feed may read the token secret; nothing may scan, delete or batch-write', () => {
      const secretActions = (service: string) =>
        statementsOfFunction(ingest, service)
          .flatMap((s) => asArray(s.Action))
          .filter((a) => a.startsWith('secretsmanager:'));
      expect(secretActions('probe-feed').sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      expect(secretActions('prober')).toEqual([]);
      expect(secretActions('compaction')).toEqual([]);

      const every = Object.values(ingest.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (
          p as { Properties: { PolicyDocument: { Statement: Statement[] } } }
        ).Properties.PolicyDocument.Statement.flatMap((s) => asArray(s.Action)),
      );
      expect(every.filter((a) => a.startsWith('dynamodb:') && !TABLE_ACTIONS.includes(a))).toEqual([]);
      expect(every.filter((a) => a.includes('*') && !a.startsWith('kms:'))).toEqual([]);
    });

    it('the functions have no AWS managed policy', () => {
      const roles = ingest.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
          }),
        },
      });
      expect(Object.keys(roles)).toHaveLength(3);
      for (const role of Object.values(roles)) {
        expect((role as { Properties: Json }).Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('schedules', () => {
    it.each([
      ['FeedFunction', 'probe-feed'],
      ['ProberFunction', 'prober'],
    ])('%s runs every 10 minutes in Asia/Shanghai, with retries and the dead-letter queue', (_, service) => {
      const fnId = logicalId(ingest, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
      });
      const dlqId = logicalId(ingest, 'AWS::SQS::Queue', {});
      ingest.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(10 minutes)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        }),
      });
      // Ticks that still fail after Lambda's own retries land in the same queue.
      ingest.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
    });

    it('CompactionFunction runs daily at 11:00 Asia/Shanghai, with retries and the dead-letter queue', () => {
      const fnId = logicalId(ingest, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'compaction' }) },
      });
      const dlqId = logicalId(ingest, 'AWS::SQS::Queue', {});
      ingest.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 11 * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        }),
      });
      ingest.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'compaction' }) },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
    });

    it('one schedule per function, each in Asia/Shanghai', () => {
      ingest.resourceCountIs('AWS::Scheduler::Schedule', 3);
      ingest.resourcePropertiesCountIs('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'Asia/Shanghai' }, 3);
      expect(
        Object.values(ingest.findResources('AWS::Scheduler::Schedule'))
          .map((s) => (s as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression)
          .sort(),
      ).toEqual(['cron(0 11 * * ? *)', 'rate(10 minutes)', 'rate(10 minutes)']);
    });

    it('the dead-letter queue is encrypted and refuses requests without TLS', () => {
      ingest.resourceCountIs('AWS::SQS::Queue', 1);
      ingest.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
      ingest.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('alarms', () => {
    it.each(['probe-feed', 'prober', 'compaction'])('%s: errors', (service) => {
      const fnId = logicalId(ingest, 'AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
      });
      ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it.each(['probe-feed', 'prober'])('%s: any quarantined record', (service) => {
      ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TcmppSla',
        MetricName: 'QuarantinedRecords',
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it.each(['probe-feed', 'prober'])(
      '%s: probe coverage — fewer than 1 probe result an hour for 2 hours, missing data breaching',
      (service) => {
        ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'TcmppSla',
          MetricName: 'ProbeResults',
          Dimensions: [{ Name: 'service', Value: service }],
          Statistic: 'Sum',
          Period: 3600,
          EvaluationPeriods: 2,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        });
      },
    );

    it.each([
      ['probe-feed', 'FeedProbeCoverageAlarm', 3600],
      ['prober', 'ProberProbeCoverageAlarm', 600],
    ])(
      '%s: probe coverage — the lowest ProbeCoveragePercent below 95 % (default) in 3 consecutive windows/runs',
      (service, id, period) => {
        const alarms = ingest.findResources('AWS::CloudWatch::Alarm', {
          Properties: Match.objectLike({
            MetricName: 'ProbeCoveragePercent',
            Dimensions: [{ Name: 'service', Value: service }],
          }),
        });
        expect(Object.keys(alarms)).toEqual([expect.stringMatching(new RegExp(`^${id}[A-F0-9]{8}$`))]);
        ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'TcmppSla',
          MetricName: 'ProbeCoveragePercent',
          Dimensions: [{ Name: 'service', Value: service }],
          Statistic: 'Minimum',
          // one period per feed window (60 min), per prober run (its schedule: every 10 minutes)
          Period: period,
          EvaluationPeriods: 3,
          Threshold: 95,
          ComparisonOperator: 'LessThanThreshold',
          // a period without a window or run is not judged; no results at all is ProbeResultsLowAlarm's
          TreatMissingData: 'missing',
          AlarmDescription: Match.stringLikeRegexp(`fewer than 95 % of the accounts in service`),
        });
      },
    );

    it('a message in the dead-letter queue', () => {
      ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      // errors of 3 functions; quarantined records, probe coverage and no results of 2 sources; the DLQ
      ingest.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    });
  });
});

describe('prod (-c env=prod) and overrides', () => {
  it('imports the feed token secret by name and grants read on that secret only', () => {
    const stacks = build({ env: 'prod' });
    const stateful = Template.fromStack(stacks.stateful);
    const ingest = Template.fromStack(stacks.ingest);

    stateful.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(stacks.stateful.terminationProtection).toBe(true);
    ingest.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ FEED_TOKEN_SECRET_ID: 'tcmpp-sla/prod/probe-feed-token' }),
      },
    });
    const secretStatements = statementsOfFunction(ingest, 'probe-feed').filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(1);
    expect(JSON.stringify((secretStatements[0] as Statement).Resource)).toMatch(
      /:secret:tcmpp-sla\/prod\/probe-feed-token-\?\?\?\?\?\?"/,
    );
    ingest.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 3);
  });

  it('takes a schedule, the feed URL, the coverage threshold and an alarm topic from context', () => {
    const topic = 'arn:aws:sns:ap-east-1:123456789012:sla-alarms';
    const stacks = build({
      proberSchedule: 'rate(5 minutes)',
      feedBaseUrl: 'https://feed.test/',
      alarmTopicArn: topic,
      probeCoverageMinPercent: '80',
    });
    const ingest = Template.fromStack(stacks.ingest);

    ingest.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
    });
    ingest.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FEED_BASE_URL: 'https://feed.test/' }) },
    });
    ingest.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [topic] }, 10);
    // the coverage alarms: the threshold from context, the prober's period its schedule's rate
    for (const [service, period] of [
      ['probe-feed', 3600],
      ['prober', 300],
    ] as const) {
      ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ProbeCoveragePercent',
        Dimensions: [{ Name: 'service', Value: service }],
        Period: period,
        EvaluationPeriods: 3,
        Threshold: 80,
        AlarmActions: [topic],
      });
    }
  });

  it.each([
    ['rate(10 minutes)', 600],
    ['rate(1 minute)', 60],
    ['rate(2 hours)', 7200],
    ['rate(1 day)', 3600],
    ['cron(0/15 * * * ? *)', 3600],
  ])('prober schedule %s: the coverage alarm looks at periods of %i s', (proberSchedule, period) => {
    const ingest = Template.fromStack(build({ proberSchedule }).ingest);
    ingest.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ProbeCoveragePercent',
      Dimensions: [{ Name: 'service', Value: 'prober' }],
      Period: period,
      EvaluationPeriods: 3,
    });
  });

  it('refuses an unknown environment', () => {
    expect(() => build({ env: 'staging' })).toThrow(/unknown environment "staging"/);
  });
});

describe('SlaFunction', () => {
  it('merges the caller’s environment over the defaults, dropping nothing', () => {
    const stack = new Stack(appWith(), 'Probe');
    new SlaFunction(stack, 'Fn', {
      entry: 'functions/run-prober.ts',
      serviceName: 'probe',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: RetentionDays.ONE_WEEK,
      environment: { TABLE_NAME: 't', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=200' },
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 30,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'probe',
          POWERTOOLS_METRICS_NAMESPACE: 'TcmppSla',
          NODE_OPTIONS: '--enable-source-maps --max-old-space-size=200',
          TABLE_NAME: 't',
        },
      },
    });
  });

  it('bundles with the local esbuild: one ESM file for Node 20+, with the require banner and a source map', () => {
    const app = appWith({}, true);
    const stack = new Stack(app, 'Bundled');
    new SlaFunction(stack, 'Fn', {
      entry: 'functions/ingest-probe-feed.ts',
      serviceName: 'probe-feed',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetention: RetentionDays.ONE_WEEK,
    });

    const outdir = app.synth().directory;
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const files = readdirSync(join(outdir, assets[0] as string)).sort();
    expect(files).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(outdir, assets[0] as string, 'index.mjs'), 'utf8');
    expect(
      code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);"),
    ).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'])('%s: no unacknowledged findings, errors or warnings', (env) => {
    const { app } = build({ env });
    app.synth(); // the final tree; synth itself throws on a finding, with the report

    const report = new AwsSolutionsChecks().validateScope(app);

    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings.filter((f) => f.startsWith('error'))).toEqual([]);
    // Any finding, warnings included, fails `cdk synth`.
    expect(findings).toEqual([]);
  });

  it('every acknowledgement names one finding and says why', () => {
    const { app } = build();
    app.synth();

    const acknowledged = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));

    const ids = acknowledged.map(([id]) => id.replace(/^annotation::/i, '').replace(/\[.*\]$/, '[…]'));
    expect(new Set(ids)).toEqual(new Set(['AwsSolutions-IAM5[…]', 'AwsSolutions-SMG4']));
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });

  it('is a plugin of the app: a finding fails synth', () => {
    const { app, ingest } = build();
    new Queue(ingest, 'PlainQueue', { enforceSSL: false });

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
