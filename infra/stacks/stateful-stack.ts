// What must outlive every deployment: the single table, the key that encrypts it, the notice queues
// and, when the environment does not bring its own, the probe feed's token secret and the claims
// intake's signing secret. All of it is retained when the stack is deleted; the stateless stacks
// only reference it.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../shared/adapters/dynamodb/keys.ts';

/** The notice worker's timeout: the notice queue's visibility timeout is sized to it. */
export const NOTICE_WORKER_TIMEOUT_SECONDS = 60;
/** Deliveries of a notice message before it moves to the dead-letter queue. */
export const NOTICE_MAX_RECEIVES = 5;

/** Where a secret lives: the probe feed's bearer token, the claims intake's signing key. */
export type SecretSource =
  /** a secret this app created (StatefulStack) */
  | { readonly secret: ISecret }
  /** an existing secret, managed outside this app, imported by name where it is used */
  | { readonly secretName: string };
export type FeedTokenSecret = SecretSource;

/**
 * The secret of a source in the stack that uses it, and the id its function reads it by: the ARN
 * for a secret of this app, the name for an imported one (GetSecretValue takes either).
 */
export const secretOf = (scope: Construct, id: string, source: SecretSource): { secret: ISecret; secretId: string } => {
  if ('secret' in source) return { secret: source.secret, secretId: source.secret.secretArn };
  const secret = Secret.fromSecretNameV2(scope, id, source.secretName);
  return { secret, secretId: secret.secretName };
};

export interface StatefulStackProps extends StackProps {
  /** `dev`, `prod`: goes into descriptions */
  readonly envName: string;
  /** an existing secret holding the feed token; absent: this stack creates one */
  readonly feedTokenSecretName?: string | undefined;
  /** an existing secret holding the claims intake's HMAC key; absent: this stack creates one */
  readonly claimsSecretName?: string | undefined;
}

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly tableKey: Key;
  readonly feedTokenSecret: SecretSource;
  /** the HMAC key the ticket system signs claim webhooks with */
  readonly claimsSecret: SecretSource;
  /** notices to customers: the month-end sends, the notice worker receives */
  readonly noticeQueue: Queue;
  /** notices that failed NOTICE_MAX_RECEIVES deliveries: kept ≥ 10 days, redriven by the operator */
  readonly noticeDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    // A customer-managed key rather than the AWS managed aws/dynamodb key: its key policy and IAM
    // grants name exactly which roles may decrypt the table (and its PITR backups and exports), each
    // use is in CloudTrail under the caller's role, and disabling it cuts off every copy at once.
    // Retained like the table: a retained table whose key was scheduled for deletion is unreadable.
    this.tableKey = new Key(this, 'TableKey', {
      description: `TCMPP SLA (${props.envName}): encrypts the SLA table, its backups and exports`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Keys and entities: shared/adapters/dynamodb/keys.ts. No indexes: every read is a Query on pk.
    this.table = new Table(this, 'SlaTable', {
      partitionKey: { name: TABLE_KEYS.partition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Notices hold account and order ids, tiers and vouchers (business records, no personal data):
    // encrypted at rest with SQS-managed keys, TLS only. Retained: a notice queued is a promise.
    this.noticeDeadLetterQueue = new Queue(this, 'NoticeDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.noticeQueue = new Queue(this, 'NoticeQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // a message keeps its first enqueue time in the dead-letter queue: 4 days here leave it at
      // least 10 there for the operator's redrive
      retentionPeriod: Duration.days(4),
      // six times the notice worker's timeout: a message is not redelivered while a worker may
      // still be delivering it
      visibilityTimeout: Duration.seconds(6 * NOTICE_WORKER_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.noticeDeadLetterQueue, maxReceiveCount: NOTICE_MAX_RECEIVES },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.feedTokenSecretName !== undefined) {
      this.feedTokenSecret = { secretName: props.feedTokenSecretName };
    } else {
      const secret = new Secret(this, 'FeedTokenSecret', {
        description: `TCMPP SLA (${props.envName}): bearer token of the probe feed. Set the value the feed operator issued with put-secret-value.`,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The probe feed operator issues this bearer token; no rotation Lambda of ours can mint a new one. It is rotated by re-issuing it at the feed and putting the new value here; the function re-reads it every 5 minutes.',
      });
      this.feedTokenSecret = { secret };
    }

    if (props.claimsSecretName !== undefined) {
      this.claimsSecret = { secretName: props.claimsSecretName };
    } else {
      // Generated here; the operator hands the value to the ticket system (get-secret-value), or
      // puts the one the ticket system issued (put-secret-value).
      const secret = new Secret(this, 'ClaimsSecret', {
        description: `TCMPP SLA (${props.envName}): HMAC key the ticket system signs claim webhooks with, shared with it.`,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A key shared with the ticket system: a rotation Lambda of ours cannot change it on the ticket system side. It is rotated by agreeing a new key with the ticket system operator and putting it here; the claims function re-reads it every 5 minutes.',
      });
      this.claimsSecret = { secret };
    }

    // what the operator verbs take (--table, --queue-url, --dlq-url): see the README's Operate section
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'NoticeQueueUrl', { value: this.noticeQueue.queueUrl });
    new CfnOutput(this, 'NoticeDeadLetterQueueUrl', { value: this.noticeDeadLetterQueue.queueUrl });
  }
}
