// The CDK app: `npx cdk synth` (dev), `npx cdk synth -c env=prod`, `npx cdk deploy --all -c env=prod`.
// cdk.json runs it through scripts/run-ts.mjs (Node 20 cannot strip types). Tests call
// buildSlaApp on their own App instead, with bundling skipped.
// What differs between environments, and the context overrides: infra/config.ts.
import { pathToFileURL } from 'node:url';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, type EnvName, type SlaConfig } from './config.ts';
import { ClaimsStack } from './stacks/claims-stack.ts';
import { IngestStack } from './stacks/ingest-stack.ts';
import { MonthEndStack } from './stacks/month-end-stack.ts';
import { NoticesStack } from './stacks/notices-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';

export {
  configFromContext,
  DEFAULTS,
  ENVIRONMENTS,
  type EnvName,
  OVERRIDABLE,
  type SlaConfig,
  type SlaEnvironmentConfig,
} from './config.ts';

export interface SlaStacks {
  readonly envName: EnvName;
  readonly config: SlaConfig;
  readonly stateful: StatefulStack;
  readonly ingest: IngestStack;
  readonly monthEnd: MonthEndStack;
  readonly notices: NoticesStack;
  readonly claims: ClaimsStack;
  readonly observability: ObservabilityStack;
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
    description: `TCMPP SLA (${envName}): table, table key, notice queues, feed token and claims secrets — retained`,
    terminationProtection: envName === 'prod',
    feedTokenSecretName: config.feedTokenSecretName,
    claimsSecretName: config.claimsSecretName,
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
    probeCoverageMinPercent: config.probeCoverageMinPercent,
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
    reminderDaysBefore: config.reminderDaysBefore,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
  });

  const notices = new NoticesStack(app, `${prefix}-Notices`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): notice worker on the notice queue, daily reminders`,
    table: stateful.table,
    tableKey: stateful.tableKey,
    noticeQueue: stateful.noticeQueue,
    noticeDeadLetterQueue: stateful.noticeDeadLetterQueue,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
    email:
      config.sesFromAddress === undefined || config.sesIdentityArn === undefined
        ? undefined
        : {
            fromAddress: config.sesFromAddress,
            identityArn: config.sesIdentityArn,
            configurationSet: config.sesConfigurationSet,
          },
    webhookSecretName: config.webhookSecretName,
    reminderDaysBefore: config.reminderDaysBefore,
    reminderSchedule: config.reminderSchedule,
  });

  const claims = new ClaimsStack(app, `${prefix}-Claims`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): claims intake, the ticket system's signed webhook (function URL)`,
    table: stateful.table,
    tableKey: stateful.tableKey,
    claimsSecret: stateful.claimsSecret,
    logRetention: config.logRetention,
    alarmTopicArn: config.alarmTopicArn,
  });

  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    env,
    envName,
    description: `TCMPP SLA (${envName}): the dashboard of the pipeline`,
    table: stateful.table,
    noticeQueue: stateful.noticeQueue,
    noticeDeadLetterQueue: stateful.noticeDeadLetterQueue,
    ingest,
    monthEnd,
    notices,
    claims,
    alarms: [...ingest.alarms, ...monthEnd.alarms, ...notices.alarms, ...claims.alarms],
  });

  Tags.of(app).add('project', 'tcmpp-sla');
  Tags.of(app).add('environment', envName);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { envName, config, stateful, ingest, monthEnd, notices, claims, observability };
};

// Synthesize only when run as the program (cdk.json "app"), not when a test imports this module.
const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(entry).href === import.meta.url) {
  const app = new App();
  buildSlaApp(app);
  app.synth();
}
