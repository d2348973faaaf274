import { seededRandom } from '../../shared/random.ts';
// A Table whose client is a real DynamoDBClient to the local endpoint, with a seeded, deterministic
// fault injector in its middleware stack: chosen attempts never reach dynalite, and answer as
// DynamoDB does when it throttles (HTTP 400 ProvisionedThroughputExceededException or
// ThrottlingException) or fails (HTTP 500 InternalServerError). The injector sits in the
// deserialize step, inside the SDK's retry middleware (finalizeRequest) and inside its deserializer,
// so the SDK turns each injected answer into its own modelled exception and its own retry strategy
// decides, as it would against AWS, whether to try again.

import { DynamoDBClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import { StandardRetryStrategy } from '@smithy/core/retry';
import type { DeserializeMiddleware } from '@smithy/types';
import { CapacityMeter, localClientConfig, type Table } from '#adapters/dynamodb/table.ts';

export type FaultKind = 'ProvisionedThroughputExceededException' | 'ThrottlingException' | 'InternalServerError';

const FAULTS: readonly { kind: FaultKind; status: number; message: string }[] = [
  {
    kind: 'ProvisionedThroughputExceededException',
    status: 400,
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  },
  { kind: 'ThrottlingException', status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  { kind: 'InternalServerError', status: 500, message: 'Internal server error' },
];

/** One attempt as the injector sees it: the command and its input (after serialization's middleware). */
export interface Attempt {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

export interface FaultPlan {
  /** seed of the pseudo-random sequence: the same seed and the same requests give the same faults */
  readonly seed: number;
  /** share of the attempts chosen (0..1) that fail */
  readonly rate: number;
  /** which attempts may fail; all when absent */
  readonly target?: (attempt: Attempt) => boolean;
  /** at most this many injected faults in a row for one operation; unlimited when absent */
  readonly maxConsecutive?: number;
  /**
   * a fault after the request reached dynalite (the write done, its answer lost, as with a
   * connection reset or a 5xx from a front end): always an InternalServerError
   */
  readonly afterDelivery?: boolean;
}

export interface FaultLog {
  /** attempts that went on to dynalite */
  passed: number;
  /** injected faults, by kind */
  readonly injected: Record<FaultKind, number>;
  /** injected faults, by command */
  readonly byCommand: Record<string, number>;
  /** operations that succeeded after more than one attempt (the SDK retried) */
  succeededAfterRetry: number;
  /** operations that failed with an injected kind of fault: the SDK gave up, after these attempts */
  readonly exhausted: { command: string; name: string; attempts: number | undefined }[];
  /** operations that failed with any other error (e.g. ConditionalCheckFailedException), by name */
  readonly otherErrors: Record<string, number>;
}

export interface FaultyTable extends Table {
  readonly faults: FaultLog;
  /** total injected faults */
  readonly injectedTotal: () => number;
}

/**
 * The SDK's standard retry strategy (its error classification, retry quota and attempt limit),
 * with the same maxAttempts as `localClientConfig`, waiting 1 ms between attempts instead of the
 * jittered exponential back-off (1 s base for throttling) so that a test stays fast.
 */
const fastStandardRetry = (maxAttempts: number): StandardRetryStrategy =>
  new StandardRetryStrategy({
    maxAttempts,
    backoff: { computeNextBackoffDelay: () => 1, setDelayBase: () => {} },
  });

/** A table handle on `endpoint`/`name` whose client injects faults as `plan` says. */
export const makeFaultyTable = (endpoint: string, name: string, plan: FaultPlan): FaultyTable => {
  const config = localClientConfig(endpoint);
  const maxAttempts = typeof config.maxAttempts === 'number' ? config.maxAttempts : 3;
  const client = new DynamoDBClient({ ...config, retryStrategy: fastStandardRetry(maxAttempts) });
  const random = seededRandom(plan.seed);
  // one context per operation, shared by its attempts
  const consecutive = new WeakMap<object, number>();
  const faults: FaultLog = {
    passed: 0,
    injected: { ProvisionedThroughputExceededException: 0, ThrottlingException: 0, InternalServerError: 0 },
    byCommand: {},
    succeededAfterRetry: 0,
    exhausted: [],
    otherErrors: {},
  };

  // outermost: sees each operation once, after all its attempts
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        const output = await next(args);
        const attempts = (output.output as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        if (attempts > 1) faults.succeededAfterRetry++;
        return output;
      } catch (e) {
        const error = e as { name?: string; $metadata?: { attempts?: number } };
        const name = error.name ?? String(e);
        if (!FAULTS.some((f) => f.kind === name)) {
          faults.otherErrors[name] = (faults.otherErrors[name] ?? 0) + 1;
          throw e;
        }
        faults.exhausted.push({
          command: context.commandName ?? '?',
          name: error.name ?? String(e),
          attempts: error.$metadata?.attempts,
        });
        throw e;
      }
    },
    { step: 'initialize', priority: 'high', name: 'faultObserver' },
  );

  // innermost: each attempt, before the HTTP handler sends it
  const injector: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
    const attempt: Attempt = {
      command: context.commandName ?? '?',
      input: args.input as Record<string, unknown>,
    };
    const eligible = plan.target ? plan.target(attempt) : true;
    // draw for every attempt, eligible or not, so the sequence depends only on the requests made
    const draw = random();
    const pick = random();
    const inARow = consecutive.get(context) ?? 0;
    if (!eligible || draw >= plan.rate || inARow >= (plan.maxConsecutive ?? Number.POSITIVE_INFINITY)) {
      consecutive.set(context, 0);
      faults.passed++;
      return next(args);
    }
    consecutive.set(context, inARow + 1);
    if (plan.afterDelivery) {
      faults.passed++;
      await next(args);
    }
    const fault = plan.afterDelivery ? FAULTS[2] : (FAULTS[Math.floor(pick * FAULTS.length)] ?? FAULTS[0]);
    if (fault === undefined) throw new Error('no fault kinds');
    faults.injected[fault.kind]++;
    faults.byCommand[attempt.command] = (faults.byCommand[attempt.command] ?? 0) + 1;
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.kind}`, message: fault.message });
    // what DynamoDB answers; the SDK's deserializer makes its modelled exception from it
    return {
      response: {
        statusCode: fault.status,
        reason: fault.status === 500 ? 'Internal Server Error' : 'Bad Request',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': `injected-${faults.injected[fault.kind]}-${fault.kind}`,
          'content-length': String(Buffer.byteLength(body)),
        },
        body: new TextEncoder().encode(body),
      },
      output: undefined as never,
    };
  };
  client.middlewareStack.addRelativeTo(injector, {
    relation: 'after',
    toMiddleware: 'deserializerMiddleware',
    name: 'faultInjector',
  });

  return {
    client,
    name,
    meter: new CapacityMeter(),
    faults,
    injectedTotal: () => Object.values(faults.injected).reduce((n, k) => n + k, 0),
  };
};
