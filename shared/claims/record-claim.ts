// Claims intake (SPEC R10): one claim from the ticket system's webhook or `sla claims add`,
// judged by the rules engine against the stored results and recorded once with its verdict.
//
// Primary course:
//   1. validate the payload (a wrong type or shape names its field; nothing is written);
//   2. derive the filed day in the policy zone, as `sla evaluate` does;
//   3. judge with the engine's judgeClaim against the service month's LATEST stored result;
//   4. record the claim, its verdict and, when accepted, the voucher issuance — once per claim id
//      (claim-repository.ts: crash-safe order of conditional writes).
//
// A missing accountId or orderId is no validation error: it is the `missing-materials` verdict,
// recorded. A missing month names no service month: `unknown-order` (as in `sla evaluate`). A
// service month of a stored order that has no stored result yet is `window-not-open`: its window
// opens only once the month is evaluated and found missed (docs/rules-decisions.md).

import { z } from 'zod';
import {
  type FiledClaim,
  type Judgement,
  type RecordClaimOutcome,
  recordClaimOnce,
} from '#adapters/dynamodb/claim-repository.ts';
import { listAccountOrders } from '#adapters/dynamodb/registry-repository.ts';
import { evaluatedMonthOf, getLatest, getVersion, type StoredResult } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { type ClaimInput, judgeClaim, serviceMonthKey } from '#domain/evaluate.ts';
import { checkMonth, localDateOf, parseInstant } from '#domain/instant.ts';
import { jsonSyntaxProblem } from '#domain/json-problem.ts';
import { checkId } from '#domain/probe.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';

/** A claim as the ticket system (or the operator) files it. */
export interface ClaimPayload {
  /** the ticket id: one claim, one verdict */
  readonly claimId: string;
  readonly accountId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly month?: string | undefined;
  /** ISO-8601 instant with an explicit offset (R1) */
  readonly filedAt: string;
  /** only `ticket` is accepted (§3.2) */
  readonly channel: string;
}

export interface ClaimProblem {
  /** the payload's field, or `body` for the document as a whole */
  readonly field: string;
  readonly problem: string;
}

export type ParsedClaim =
  | { readonly claim: ClaimPayload; readonly problems?: undefined }
  | { readonly claim?: undefined; readonly problems: ClaimProblem[] };

const checked = (check: (value: string) => string | null) =>
  z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const id = checked(checkId);
const instantProblem = (value: string): string | null => {
  const parsed = parseInstant(value);
  return typeof parsed === 'string' ? parsed : null;
};

// null is taken as absent for the optional ids (a ticket field left empty); '' is not an id.
const schema = z.strictObject({
  claimId: id,
  accountId: id.nullish(),
  orderId: id.nullish(),
  month: checked(checkMonth).nullish(),
  filedAt: checked(instantProblem),
  channel: z.string().min(1).max(64),
});

const describe = (issue: z.core.$ZodIssue): ClaimProblem[] => {
  const field = issue.path.map(String).join('.') || 'body';
  switch (issue.code) {
    case 'invalid_type':
      return [{ field, problem: issue.input === undefined ? 'is required' : `must be a ${issue.expected}` }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: key, problem: 'is not a known field' }));
    case 'too_small':
      return [{ field, problem: 'must not be empty' }];
    case 'too_big':
      return [{ field, problem: `must be at most ${String(issue.maximum)} characters long` }];
    default:
      return [{ field, problem: issue.message }];
  }
};

/** Validates a claim payload (already parsed JSON); every problem names its field. */
export const parseClaim = (value: unknown): ParsedClaim => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problems: [{ field: 'body', problem: 'must be a JSON object (a claim)' }] };
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { problems: parsed.error.issues.flatMap(describe) };
  const { accountId, orderId, month, ...rest } = parsed.data;
  return {
    claim: {
      ...rest,
      ...(accountId == null ? {} : { accountId }),
      ...(orderId == null ? {} : { orderId }),
      ...(month == null ? {} : { month }),
    },
  };
};

/** Validates a claim document's text (the webhook body). */
export const parseClaimText = (text: string): ParsedClaim => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // without V8's excerpt of the body (R12)
    return { problems: [{ field: 'body', problem: `malformed JSON (${jsonSyntaxProblem(e)})` }] };
  }
  return parseClaim(json);
};

export interface ClaimSettings {
  readonly table: Table;
  /** the policy zone (R1), default Asia/Shanghai */
  readonly timeZone: string;
  readonly now: () => Date;
}

/** The latest stored evaluation of a service month, or undefined when it was never evaluated. */
const latestResult = async (
  table: Table,
  accountId: string,
  orderId: string,
  month: string,
): Promise<StoredResult | undefined> => {
  const pointer = await getLatest(table, accountId, month, orderId);
  if (pointer === undefined) return undefined;
  const stored = await getVersion(table, accountId, month, orderId, pointer.version);
  if (stored === undefined)
    throw new Error(`result ${accountId}/${orderId}/${month}: LATEST names version ${pointer.version}, not stored`);
  return stored;
};

/** Whether the account has a stored order with that id, of which `month` is a service month. */
const isServiceMonthOfStoredOrder = async (
  table: Table,
  zone: string,
  accountId: string,
  orderId: string,
  month: string,
): Promise<boolean> => {
  const order = (await listAccountOrders(table, accountId)).find((o) => o.orderId === orderId);
  if (order === undefined) return false;
  return serviceMonthsOf({ ...order, cashPaidFen: 0 }, zone).some((m) => m.month === month);
};

/** Judges a filed claim against the store (R10): the first failing reason, in the order of the table. */
export const judgeAgainstStore =
  (settings: ClaimSettings, filed: FiledClaim) =>
  async (alreadyAccepted: boolean): Promise<Judgement> => {
    const { accountId, orderId, month } = filed;
    const input: ClaimInput = { accountId, orderId, month, filedDay: filed.filedDay, channel: filed.channel };
    const key = serviceMonthKey(accountId ?? '', orderId ?? '', month ?? '');
    const accepted = new Set<string>(alreadyAccepted ? [key] : []);
    if (!accountId || !orderId || !month || filed.channel !== 'ticket') {
      // missing-materials, wrong-channel or (no month) unknown-order: decided before any read
      const verdict = judgeClaim(input, new Map(), accepted);
      if (verdict.accepted) throw new Error('a claim without a service month was accepted');
      return verdict;
    }
    const stored = await latestResult(settings.table, accountId, orderId, month);
    if (stored === undefined) {
      if (await isServiceMonthOfStoredOrder(settings.table, settings.timeZone, accountId, orderId, month))
        return { accepted: false, reason: 'window-not-open' };
      return { accepted: false, reason: 'unknown-order' };
    }
    const verdict = judgeClaim(input, new Map([[key, evaluatedMonthOf(stored)]]), accepted);
    return { ...verdict, resultVersion: stored.version };
  };

/** Records a valid claim once and returns its verdict (see claim-repository.ts for the outcomes). */
export const recordClaim = async (settings: ClaimSettings, claim: ClaimPayload): Promise<RecordClaimOutcome> => {
  const filedAt = parseInstant(claim.filedAt);
  if (typeof filedAt === 'string') throw new TypeError(`filedAt: ${filedAt}`);
  const filed: FiledClaim = { ...claim, filedDay: localDateOf(filedAt.epochMs, settings.timeZone) };
  return recordClaimOnce(settings.table, filed, judgeAgainstStore(settings, filed), settings.now());
};
