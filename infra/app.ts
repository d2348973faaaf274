// The CDK app: `npx cdk synth` (dev), `npx cdk synth -c env=prod`, `npx cdk deploy --all -c env=prod`.
// cdk.json runs it through scripts/run-ts.mjs (Node 20 cannot strip types). Tests call
// buildSlaApp on their own App instead, with bundling skipped.
import { pathToFileURL } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IngestStack } from './stacks/ingest-stack.ts';
import { MonthEndStack } from './stacks/month-end-stack.ts';
import { NoticesStack } from './stacks/notices-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

/** What differs between environments. Everything else is the same code and the same template shape. */
export interface SlaEnvironmentConfig {
  /** base URL of the probe feed (`GET {base}/probe-results?from&to`) */
  readonly feedBaseUrl: string;
  /** an existing Secrets Manager secret holding the feed token; absent: StatefulStack creates one */
  readonly feedTokenSecretName?: string;
  /** EventBridge Scheduler expressions, evaluated in Asia/Shanghai */
  readonly feedSchedule: string;
  readonly proberSchedule: string;
  readonly logRetention: RetentionDays;
  /** SNS topic for every alarm */
  readonly alarmTopicArn?: string;
}

export const ENVIRONMENTS = {
  dev: {
    feedBaseUrl: 'https://probe-feed.dev.tcmpp-sla.example.com',
    feedSchedule: 'rate(10 minutes)',
    proberSchedule: 'rate(10 minutes)',
    logRetention: RetentionDays.TWO_WEEKS,
  },
  prod: {
    feedBaseUrl: 'https://probe-feed.tcmpp-sla.example.com',
    feedTokenSecretName: 'tcmpp-sla/prod/probe-feed-token',
    feedSchedule: 'rate(10 minutes)',
    proberSchedule: 'rate(10 minutes)',
    logRetention: RetentionDays.THREE_MONTHS,
  },
} as const satisfies Record<string, SlaEnvironmentConfig>;

export type EnvName = keyof typeof ENVIRONMENTS;

/** Context keys that override one value of the chosen environment: `-c feedBaseUrl=https://…`. */
const OVERRIDABLE = ['feedBaseUrl', 'feedTokenSecretName', 'feedSchedule', 'proberSchedule', 'alarmTopicArn'] as const;

export const configFromContext = (app: App): { envName: EnvName; config: SlaEnvironmentConfig } => {
  const envName: unknown = app.node.tryGetContext('env') ?? 'dev';
  if (typeof envName !== 'string' || !Object.hasOwn(ENVIRONMENTS, envName)) {
    throw new Error(
      `unknown environment ${JSON.stringify(envName)}: use -c env=${Object.keys(ENVIRONMENTS).join('|')}`,
    );
  }
  const config: Record<string, unknown> = { ...ENVIRONMENTS[envName as EnvName] };
  for (const key of OVERRIDABLE) {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') throw new Error(`context ${key} must be a non-empty string`);
    config[key] = value;
  }
  return { envName: envName as EnvName, config: config as unknown as SlaEnvironmentConfig };
};

export interface SlaStacks {
  readonly envName: EnvName;
  readonly config: SlaEnvironmentConfig;
  readonly stateful: StatefulStack;
  readonly ingest: IngestStack;
  readonly monthEnd: MonthEndStack;
  readonly notices: NoticesStack;
}

/** Adds the stacks of the environment chosen by context `env` (default dev) and the cdk-nag checks. */
export const buildSlaApp = (app: App): SlaStacks => {
  const { envName, config } = configFromContext(app);
  // Account and region come from the CLI's credentials/profile; without them the stacks are
  // environment-agnostic, which is what an offline `cdk synth` gives.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `TcmppSla-${envName}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): table, table key, feed token secret, notice queues — retained`,
    terminationProtection: envName === 'prod',
    feedTokenSecretName: config.feedTokenSecretName,
  });

  const ingest = new IngestStack(app, `${prefix}-Ingest`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): scheduled probe feed pull and built-in prober`,
    table: stateful.table,
    feedBaseUrl: config.feedBaseUrl,
    feedTokenSecret: stateful.feedTokenSecret,
    feedSchedule: config.feedSchedule,
    proberSchedule: config.proberSchedule,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
  });

  const monthEnd = new MonthEndStack(app, `${prefix}-MonthEnd`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): month-end workflow (Step Functions) on the 1st of each month`,
    table: stateful.table,
    tableKey: stateful.tableKey,
    noticeQueue: stateful.noticeQueue,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
  });

  const notices = new NoticesStack(app, `${prefix}-Notices`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): notice worker on the notice queue`,
    table: stateful.table,
    tableKey: stateful.tableKey,
    noticeQueue: stateful.noticeQueue,
    noticeDeadLetterQueue: stateful.noticeDeadLetterQueue,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
  });

  Tags.of(app).add('project', 'tcmpp-sla');
  Tags.of(app).add('environment', envName);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { envName, config, stateful, ingest, monthEnd, notices };
};

// Synthesize only when run as the program (cdk.json "app"), not when a test imports this module.
const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(entry).href === import.meta.url) {
  const app = new App();
  buildSlaApp(app);
  app.synth();
}
