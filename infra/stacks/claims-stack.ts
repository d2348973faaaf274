// Claims intake: the ticket system's claims webhook (functions/claims-intake.ts, SPEC R10).
//
//   ticket system ── POST, X-Tcmpp-Signature (HMAC-SHA256) ──► Lambda function URL (auth NONE)
//     ─► claims-intake: checks the signature over the raw body (ClaimsSecret), judges the claim,
//        records it once — Query, GetItem, PutItem on the SLA table
//
//   The URL has no IAM auth: the ticket system cannot sign AWS requests. Each request is
//   authenticated by its HMAC signature (a key shared with the ticket system, in Secrets Manager)
//   and a timestamp window, before the body is parsed; anything else is answered 401 without a
//   table read. Reserved concurrency bounds what a flood of requests can cost (and keeps the
//   table's write load bounded): beyond it, callers get 429 and retry.
//   alarms: errors of the function, 5xx answers of the URL
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, type IAlarmAction, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { alarmActionOf, functionErrorsAlarmProps, type SlaAlarmProps, slaAlarm } from '../constructs/alarm.ts';
import { POLICY_TIME_ZONE } from '../constructs/function-schedule.ts';
import { METRICS_NAMESPACE, SlaFunction } from '../constructs/sla-function.ts';
import { grantTableItems, type TableAction } from '../constructs/table-access.ts';
import { type SecretSource, secretOf } from './stateful-stack.ts';

export const CLAIMS_INTAKE_SERVICE = 'claims-intake';

/**
 * The only table actions claims intake uses (shared/claims/record-claim.ts): Query the account's
 * orders (registry-repository.ts listAccountOrders); GetItem the latest result, a version and the
 * claim already recorded; PutItem the claim, the accepted marker and the voucher issuance (each
 * conditional: once). No UpdateItem, no BatchGetItem: the code calls neither.
 */
export const CLAIMS_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
] as const satisfies readonly TableAction[];

/** Concurrent requests the intake serves at most: claims come one ticket at a time. */
export const CLAIMS_RESERVED_CONCURRENCY = 10;

export interface ClaimsStackProps extends StackProps {
  readonly envName: string;
  readonly table: ITable;
  readonly tableKey: IKey;
  /** the HMAC key shared with the ticket system (StatefulStack, or an existing secret by name) */
  readonly claimsSecret: SecretSource;
  readonly logRetention: RetentionDays;
  /** an SNS topic every alarm notifies; none: alarms are only visible in CloudWatch */
  readonly alarmTopicArn?: string | undefined;
}

export class ClaimsStack extends Stack {
  readonly intakeFunction: SlaFunction;
  readonly intakeUrl: FunctionUrl;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ClaimsStackProps) {
    super(scope, id, props);

    const claims = secretOf(this, 'ClaimsSecret', props.claimsSecret);

    this.intakeFunction = new SlaFunction(this, 'ClaimsIntakeFunction', {
      entry: 'functions/claims-intake.ts',
      serviceName: CLAIMS_INTAKE_SERVICE,
      description: `TCMPP SLA (${props.envName}): the ticket system's claims webhook (signed), R10 verdicts`,
      memorySize: 512,
      // A few reads and up to three conditional writes: a webhook answer within seconds.
      timeout: Duration.seconds(15),
      logRetention: props.logRetention,
      reservedConcurrentExecutions: CLAIMS_RESERVED_CONCURRENCY,
      // Synchronous (the URL): no asynchronous retries, no dead-letter queue; the ticket system
      // retries a 5xx or 429, and a retried claim id gets the same answer.
      environment: {
        TABLE_NAME: props.table.tableName,
        // the secret's ARN or name, never its value
        CLAIMS_SECRET_ID: claims.secretId,
        POLICY_TIME_ZONE: POLICY_TIME_ZONE.timezoneName,
      },
    });
    grantTableItems(this.intakeFunction, props.table, props.tableKey, CLAIMS_TABLE_ACTIONS);
    claims.secret.grantRead(this.intakeFunction);

    // authType NONE is the design, not an oversight: see the header. cdk-nag's AwsSolutions pack
    // has no rule on function URLs, so there is nothing to acknowledge.
    this.intakeUrl = this.intakeFunction.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });

    const action = alarmActionOf(this, props.alarmTopicArn);
    this.alarm(
      'ErrorsAlarm',
      action,
      functionErrorsAlarmProps(
        this.intakeFunction,
        'Claims intake failed (a crash or a timeout) at least once in 5 minutes: see its log group',
      ),
    );
    this.alarm('ServerErrorsAlarm', action, {
      metric: claimsUrlMetric(this.intakeFunction, 'Url5xxCount'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        'Claims intake answered 5xx at least once in 5 minutes (a claim not recorded: the ticket system should retry): see the claims-intake log (claim not recorded)',
    });

    new CfnOutput(this, 'ClaimsIntakeFunctionName', { value: this.intakeFunction.functionName });
    new CfnOutput(this, 'ClaimsIntakeUrl', {
      value: this.intakeUrl.url,
      description: 'Give this URL and the ClaimsSecret value to the ticket system',
    });
  }

  private alarm(id: string, action: IAlarmAction | undefined, props: SlaAlarmProps): void {
    this.alarms.push(slaAlarm(this, id, action, props));
  }
}

/** A metric of the function URL (AWS/Lambda, by function name), summed. */
export const claimsUrlMetric = (
  fn: SlaFunction,
  metricName: 'UrlRequestCount' | 'Url4xxCount' | 'Url5xxCount',
  period = Duration.minutes(5),
): Metric =>
  new Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: fn.functionName },
    statistic: Stats.SUM,
    period,
  });

/** A metric claims intake emits (Powertools, `service` dimension): ClaimsAccepted, ClaimsRejected, … */
export const claimsMetric = (metricName: string, period = Duration.minutes(5)): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: CLAIMS_INTAKE_SERVICE },
    statistic: Stats.SUM,
    period,
  });
