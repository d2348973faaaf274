// The built-in prober: calls each active account's four TCMPP functions and turns every answer
// into a probe result (SPEC R4) for the common ingestion path.
//
// Classification of a call (documented mapping):
//   2xx, 3xx                                   → ok
//   5xx, timeout, connection refused or reset,
//   TLS failure, any other transport error     → failure, cause `platform` (§1.2)
//   DNS failure of the prober's own resolver   → `network` (§4.2: outside Tencent Cloud)
//   401, 403                                   → `credentials` (§4.4)
//   429                                        → `unsupported` (§4.6: beyond documented limits)
//   451                                        → `legal` (§4.9)
//   other 4xx                                  → `customer` (§4.5: the account's misconfiguration)

import type { Cause, ProbeFunction } from '#domain/probe.ts';
import type { AccountProfile } from '../adapters/dynamodb/registry-repository.ts';

/** Path of each function under an account's base URL. */
export const FUNCTION_PATHS: Readonly<Record<ProbeFunction, string>> = {
  checkUpdate: 'check-update',
  publish: 'publish',
  download: 'download',
  manage: 'manage',
};

export interface ProbeOutcome {
  readonly accountId: string;
  readonly function: ProbeFunction;
  readonly at: string;
  readonly ok: boolean;
  readonly cause?: Cause;
}

export const classifyStatus = (status: number): { ok: true } | { ok: false; cause: Cause } => {
  if (status >= 200 && status < 400) return { ok: true };
  if (status >= 500) return { ok: false, cause: 'platform' };
  if (status === 401 || status === 403) return { ok: false, cause: 'credentials' };
  if (status === 429) return { ok: false, cause: 'unsupported' };
  if (status === 451) return { ok: false, cause: 'legal' };
  return { ok: false, cause: 'customer' };
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** Cause of a call that got no HTTP answer. */
export const classifyTransportError = (error: unknown): Cause => {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DNS_CODES.has(code)) return 'network';
    e = (e as { cause?: unknown }).cause;
  }
  return 'platform';
};

export interface ProberOptions {
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
}

/** One round: every function of every active account, at most `concurrency` calls in flight. */
export const probeRound = async (
  accounts: readonly AccountProfile[],
  options: ProberOptions,
): Promise<ProbeOutcome[]> => {
  const doFetch = options.fetch ?? fetch;
  const calls = accounts
    .filter((a) => a.active)
    .flatMap((account) => (Object.keys(FUNCTION_PATHS) as ProbeFunction[]).map((fn) => ({ account, fn })));
  const outcomes: ProbeOutcome[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++];
      if (!call) break;
      const base = call.account.baseUrl.endsWith('/') ? call.account.baseUrl : `${call.account.baseUrl}/`;
      const at = options.now().toISOString();
      try {
        const response = await doFetch(new URL(FUNCTION_PATHS[call.fn], base), {
          signal: AbortSignal.timeout(options.timeoutMs),
          // a 3xx is the function's own answer (ok); following it would judge another endpoint
          redirect: 'manual',
        });
        await response.body?.cancel();
        const verdict = classifyStatus(response.status);
        outcomes.push({ accountId: call.account.accountId, function: call.fn, at, ...verdict });
      } catch (e) {
        outcomes.push({
          accountId: call.account.accountId,
          function: call.fn,
          at,
          ok: false,
          cause: classifyTransportError(e),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, calls.length) }, lane));
  return outcomes;
};

/** NDJSON of outcomes, for the common ingestion path. */
export const toNdjson = (outcomes: readonly ProbeOutcome[]): Buffer =>
  Buffer.from(
    outcomes
      .map((o) => JSON.stringify(o))
      .join('\n')
      .concat(outcomes.length ? '\n' : ''),
  );
