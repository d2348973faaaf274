// Lambda function URL (payload format 2.0) for the ticket system's claims webhook (SPEC R10).
//
//   POST, body ≤ 64 KB, X-Tcmpp-Signature: t=<unix s>,v1=<HMAC-SHA256 of `<t>.<raw body>`>
//   405 other methods · 413 too large · 401 {error:'invalid-signature', reason} (missing,
//   malformed, stale, future, mismatch) · 400 {error:'invalid-claim', problems:[{field, problem}]}
//   (nothing written) · 409 {error:'claim-conflict'} (the claim id was filed with other content)
//   · 200 {claimId, accepted, reason?, voucher? ("30.00")} — the same answer for a retried claim id
//   · 500 {error:'internal', retryable:true} (a retry is safe).
//
// The signature is checked over the raw bytes received, before anything is parsed. Nothing of
// the body is logged (a ticket may carry anything): claim ids, verdicts and field names only.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import middy from '@middy/core';
import { makeTable } from '../shared/adapters/dynamodb/table.ts';
import { type ClaimSettings, parseClaimText, recordClaim } from '../shared/claims/record-claim.ts';
import { ConfigError, intEnv, requireEnv, zoneEnv } from '../shared/config.ts';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifySignature } from '../shared/notices/signature.ts';
import { logger, metrics } from './commons/powertools.ts';

/** A function URL request (payload format 2.0), the fields used here. */
export interface FunctionUrlEvent {
  readonly version?: string;
  readonly rawPath?: string;
  /** lower-case names; repeated headers joined with commas */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly http: { readonly method: string; readonly [field: string]: unknown } };
  readonly [field: string]: unknown;
}

export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface IntakeSettings extends ClaimSettings {
  /** the signing secret shared with the ticket system */
  readonly secret: () => Promise<string>;
  readonly maxBodyBytes: number;
  readonly toleranceSeconds: number;
}

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * From the environment (written by the infra only): TABLE_NAME, CLAIMS_SECRET_ID (the secret in
 * Secrets Manager, read through Powertools parameters, cached 5 minutes so a rotation is taken
 * up), POLICY_TIME_ZONE (default Asia/Shanghai), CLAIMS_SIGNATURE_TOLERANCE_SECONDS (default 300).
 */
export const intakeSettings = (): IntakeSettings => {
  const table = makeTable(requireEnv('TABLE_NAME'));
  const secretId = requireEnv('CLAIMS_SECRET_ID');
  return {
    table,
    timeZone: zoneEnv('POLICY_TIME_ZONE'),
    now: () => new Date(),
    secret: async () => {
      const value = await getSecret(secretId, { maxAge: 300 });
      if (typeof value !== 'string' || value === '')
        throw new ConfigError('the secret named by CLAIMS_SECRET_ID holds no signing secret');
      return value;
    },
    maxBodyBytes: MAX_BODY_BYTES,
    toleranceSeconds: intEnv('CLAIMS_SIGNATURE_TOLERANCE_SECONDS', DEFAULT_TOLERANCE_SECONDS, 1),
  };
};

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): FunctionUrlResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

const count = (name: string): void => {
  metrics.addMetric(name, MetricUnit.Count, 1);
};

/** The text of a UTF-8 body; undefined when its bytes are not UTF-8. */
const utf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export const makeHandler = (settings: IntakeSettings) => {
  const intake = async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'POST') return json(405, { error: 'method-not-allowed' }, { allow: 'POST' });

    const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    if (raw.length > settings.maxBodyBytes) {
      count('ClaimsTooLarge');
      logger.warn('claim refused: body too large', { bytes: raw.length });
      return json(413, { error: 'body-too-large', maxBytes: settings.maxBodyBytes });
    }

    const header = event.headers?.[SIGNATURE_HEADER.toLowerCase()];
    const signature = verifySignature(header, raw, await settings.secret(), settings.now(), settings.toleranceSeconds);
    if (!signature.ok) {
      count('ClaimSignatureFailures');
      logger.warn('claim refused: signature', { reason: signature.reason });
      return json(401, { error: 'invalid-signature', reason: signature.reason });
    }

    const text = utf8(raw);
    const parsed =
      text === undefined ? { problems: [{ field: 'body', problem: 'is not UTF-8 text' }] } : parseClaimText(text);
    if (parsed.problems) {
      count('ClaimsInvalid');
      // field names only: the problems quote values, and values are the sender's
      logger.warn('claim refused: invalid', { fields: parsed.problems.map((p) => p.field) });
      return json(400, { error: 'invalid-claim', problems: parsed.problems });
    }

    const outcome = await recordClaim(settings, parsed.claim);
    if (outcome.kind === 'conflict') {
      count('ClaimConflicts');
      logger.warn('claim refused: its id was filed with other content', { claimId: parsed.claim.claimId });
      return json(409, {
        error: 'claim-conflict',
        claimId: parsed.claim.claimId,
        problem: 'this claim id was filed before with other content: file the claim under a new id',
      });
    }
    const { claim, voucher } = outcome;
    const accepted = claim.verdict === 'accepted';
    count(accepted ? 'ClaimsAccepted' : 'ClaimsRejected');
    logger.info('claim recorded', {
      claimId: claim.claimId,
      accepted,
      reason: claim.reason,
      resultVersion: claim.resultVersion,
      retried: outcome.kind === 'already-recorded',
    });
    return json(200, {
      claimId: claim.claimId,
      accepted,
      ...(claim.reason === undefined ? {} : { reason: claim.reason }),
      ...(voucher === undefined ? {} : { voucher: voucher.amount }),
    });
  };

  return async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    try {
      return await intake(event);
    } catch (e) {
      // a retry by the ticket system is safe (one verdict per claim id); the error names no body content
      count('ClaimsFailed');
      logger.error('claim not recorded', { error: errorText(e) });
      return json(500, { error: 'internal', retryable: true });
    }
  };
};

let intake: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;
/** Settings and clients are built once per container, on the first invocation (importing the module builds nothing). */
const once = (): ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) => {
  intake ??= makeHandler(intakeSettings());
  return intake;
};
export const handler = middy((event: FunctionUrlEvent) => once()(event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
