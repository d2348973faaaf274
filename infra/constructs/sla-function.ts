// The one way this app makes a Lambda function: Node.js 24 on arm64, an ESM bundle built by the
// local esbuild (no Docker), its own log group with a retention, X-Ray, Powertools settings, and a
// role that starts empty — no AWS managed policy; the function may write to its own log group and
// nothing else until the caller grants more.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The metric namespace every function publishes to (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = 'TcmppSla';

export interface SlaFunctionProps {
  /** entry file, relative to the repository root: `functions/ingest-probe-feed.ts` */
  readonly entry: string;
  /** exported handler name; default `handler` */
  readonly handler?: string;
  /** Powertools service name: the `service` key of every log line and the `service` dimension of every metric */
  readonly serviceName: string;
  readonly description?: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** merged over the defaults: every variable given here is kept, and wins over a default of the same name */
  readonly environment?: Readonly<Record<string, string>>;
  /** where failed asynchronous invocations go after `retryAttempts` */
  readonly deadLetterQueue?: IQueue;
  /** retries of a failed asynchronous invocation (0–2); default 2 */
  readonly retryAttempts?: number;
  /** concurrency reserved for (and bounding) this function; default none */
  readonly reservedConcurrentExecutions?: number;
}

export class SlaFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SlaFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}LogGroup`, { retention: props.logRetention });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.serviceName}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      ...(props.description === undefined ? {} : { description: props.description }),
      ...(props.deadLetterQueue === undefined ? {} : { deadLetterQueue: props.deadLetterQueue }),
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node20',
        mainFields: ['module', 'main'],
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The code is tested against the exactly pinned SDK clients of package.json, not the
        // runtime's copy, which changes under us.
        bundleAwsSDK: true,
      },
    });
    // Inherent to tracing, not a choice; acknowledged on the role so it covers its default policy only.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so their resource must be *.',
    });
  }
}
