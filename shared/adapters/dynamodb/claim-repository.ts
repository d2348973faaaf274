// Claims (SPEC R10) and the voucher issuance records of accepted ones (R7), for billing.
//
// Four items, each written once by a single-item conditional put (dynalite has no
// TransactWriteItems, and single-item writes are cheaper in AWS too):
//
//   G  CLAIM_ID / <claimId>                       the claim id taken, with the content it was filed with
//   A  CLAIM#<account> / <month>#<order>#ACCEPTED the service month's one accepted claim (the commit point)
//   V  VOUCHER#<month> / <account>#<order>        the voucher issuance, from A
//   C  CLAIM#<account> / <month>#<order>#C#<id>   the claim as filed and its verdict, written last
//
// recordClaimOnce writes them in that order, so that a crash at any point followed by a retry of
// the same claim id ends in one G, at most one A per service month, one V per A and one C:
//   1. G, `attribute_not_exists(pk) OR content = :content`: another content under the id is a conflict;
//   2. C exists → the stored verdict (an idempotent retry);
//   3. A exists and names this claim → a retry after a crash past the commit point: finish from A;
//   4. judge; accepted → A, `attribute_not_exists(pk)`: taken by another claim → `duplicate`;
//   5. V from A, then C (each `attribute_not_exists(pk)`, an existing one read back and checked).
// A verdict once committed (A) is never judged again: the voucher is the one A recorded, even if
// a recalculation changed the month's result between a crash and the retry.
//
// A claim without accountId (or orderId) is kept under the empty id: CLAIM# / <month>##C#<id>
// (ids never hold `#` or are empty, so these keys meet no real account's).

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClaimReason } from '#domain/evaluate.ts';
import { formatMoney } from '#domain/fees.ts';
import { acceptedClaimSk, CLAIM_ID_PK, claimPk, claimSk, voucherPk, voucherSk } from './keys.ts';
import { canonicalJson } from './registry-repository.ts';
import { batchGetAll, queryPages, type Table } from './table.ts';

const claimIdKey = (claimId: string): Item => keyOf(CLAIM_ID_PK, claimId);

type Item = Record<string, AttributeValue>;

/** A claim as filed: the fields of the ticket (SPEC R10), `filedDay` derived in the policy zone. */
export interface FiledClaim {
  /** the ticket system's id of the claim (its ticket id) */
  readonly claimId: string;
  readonly accountId?: string | undefined;
  readonly orderId?: string | undefined;
  readonly month?: string | undefined;
  /** as given, with its offset */
  readonly filedAt: string;
  /** the local day of filedAt in the policy zone */
  readonly filedDay: string;
  readonly channel: string;
}

/** A claim record: as filed, its verdict, and what it was judged against. Never rewritten. */
export interface ClaimRecord extends FiledClaim {
  readonly verdict: 'accepted' | 'rejected';
  readonly reason?: ClaimReason;
  /** the version of the service month's result it was judged against (none: no result yet) */
  readonly resultVersion?: number;
  /** accepted: the voucher in fen, and as text */
  readonly voucherFen?: number;
  readonly voucher?: string;
  readonly recordedAt: string;
}

/** The accepted claim of a service month: at most one (created conditionally). */
export interface AcceptedClaim {
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  readonly claimId: string;
  readonly voucherFen: number;
  readonly resultVersion: number;
  readonly acceptedAt: string;
}

/** What billing reads to issue a voucher (§3.1): a record, no money moves here (R7). */
export interface VoucherIssuance {
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  /** integer fen */
  readonly amountFen: number;
  /** decimal text with 2 places */
  readonly amount: string;
  readonly currency: 'CNY';
  readonly service: 'TCMPP';
  readonly nonCash: true;
  readonly transferable: false;
  readonly usableFor: string;
  readonly claimId: string;
  readonly resultVersion: number;
  readonly issuedAt: string;
}

/** What judging a claim decided; an accepted one names the voucher and the result version. */
export type Judgement =
  | { readonly accepted: true; readonly voucherFen: number; readonly resultVersion: number }
  | { readonly accepted: false; readonly reason: ClaimReason; readonly resultVersion?: number | undefined };

export type RecordClaimOutcome =
  | {
      readonly kind: 'recorded' | 'already-recorded';
      readonly claim: ClaimRecord;
      /** the voucher issued for it, when accepted */
      readonly voucher?: VoucherIssuance | undefined;
    }
  /** the claim id was filed before with other content: nothing written */
  | { readonly kind: 'conflict'; readonly stored: FiledClaim };

/** A stored record that breaks the invariants above (never expected; named, never skipped). */
export class ClaimStoreError extends Error {}

const keyOf = (pk: string, sk: string): Item => ({ pk: { S: pk }, sk: { S: sk } });
const claimKey = (c: Pick<FiledClaim, 'accountId' | 'orderId' | 'month' | 'claimId'>): Item =>
  keyOf(claimPk(c.accountId ?? ''), claimSk(c.month ?? '', c.orderId ?? '', c.claimId));
const acceptedKey = (accountId: string, orderId: string, month: string): Item =>
  keyOf(claimPk(accountId), acceptedClaimSk(month, orderId));
const voucherKey = (month: string, accountId: string, orderId: string): Item =>
  keyOf(voucherPk(month), voucherSk(accountId, orderId));

/** The content a claim id stands for: the filed fields as given (filedDay follows from them). */
const contentOf = (c: FiledClaim): string =>
  canonicalJson({
    claimId: c.claimId,
    accountId: c.accountId,
    orderId: c.orderId,
    month: c.month,
    filedAt: c.filedAt,
    channel: c.channel,
  });

const getDoc = async <T>(table: Table, key: Item): Promise<T | undefined> => {
  const result = await table.client.send(
    new GetItemCommand({ TableName: table.name, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
  );
  table.meter.add('read', result.ConsumedCapacity);
  const body = result.Item?.doc?.S;
  return body === undefined ? undefined : (JSON.parse(body) as T);
};

/** Puts `doc` under `key` unless an item is there; false when one was. */
const putNew = async (table: Table, key: Item, doc: unknown, extra: Item = {}): Promise<boolean> => {
  try {
    const result = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...key, ...extra, doc: { S: canonicalJson(doc) } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
};

/** Takes the claim id for this content; `conflict` with what it was taken for when another content has it. */
const takeClaimId = async (
  table: Table,
  filed: FiledClaim,
): Promise<{ kind: 'taken' } | { kind: 'conflict'; stored: FiledClaim }> => {
  const content = contentOf(filed);
  const key = claimIdKey(filed.claimId);
  try {
    const result = await table.client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...key, content: { S: content }, doc: { S: canonicalJson(filed) } },
        ConditionExpression: 'attribute_not_exists(pk) OR content = :content',
        ExpressionAttributeValues: { ':content': { S: content } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    table.meter.add('write', result.ConsumedCapacity);
    return { kind: 'taken' };
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
    const stored = await getDoc<FiledClaim>(table, key);
    if (stored === undefined) throw new ClaimStoreError(`claim id ${filed.claimId}: its record vanished`);
    return { kind: 'conflict', stored };
  }
};

/** The voucher a service month's accepted claim earns, from its accepted record. */
const voucherOf = (accepted: AcceptedClaim): VoucherIssuance => ({
  accountId: accepted.accountId,
  orderId: accepted.orderId,
  month: accepted.month,
  amountFen: accepted.voucherFen,
  amount: formatMoney(accepted.voucherFen),
  currency: 'CNY',
  service: 'TCMPP',
  nonCash: true,
  transferable: false,
  usableFor: `TCMPP (Tencent Cloud Mini Program Platform) fees of account ${accepted.accountId} only; not redeemable for cash; not transferable`,
  claimId: accepted.claimId,
  resultVersion: accepted.resultVersion,
  issuedAt: accepted.acceptedAt,
});

/** Issues the voucher of `accepted` (once: an existing one must be the same claim's). */
const issueVoucher = async (table: Table, accepted: AcceptedClaim): Promise<VoucherIssuance> => {
  const voucher = voucherOf(accepted);
  const key = voucherKey(accepted.month, accepted.accountId, accepted.orderId);
  if (await putNew(table, key, voucher, { claimId: { S: accepted.claimId } })) return voucher;
  const stored = await getDoc<VoucherIssuance>(table, key);
  if (stored?.claimId !== accepted.claimId)
    throw new ClaimStoreError(
      `voucher ${accepted.accountId}/${accepted.orderId}/${accepted.month} answers claim ${stored?.claimId}, not the accepted ${accepted.claimId}`,
    );
  return stored;
};

/** Writes the claim record unless one is there; the stored one either way. */
const putClaim = async (table: Table, record: ClaimRecord): Promise<{ created: boolean; claim: ClaimRecord }> => {
  const key = claimKey(record);
  if (await putNew(table, key, record, { verdict: { S: record.verdict } })) return { created: true, claim: record };
  const stored = await getDoc<ClaimRecord>(table, key);
  if (stored === undefined) throw new ClaimStoreError(`claim ${record.claimId}: its record vanished`);
  return { created: false, claim: stored };
};

/** After the commit point: the voucher, then the claim record, both from the accepted record. */
const finishAccepted = async (
  table: Table,
  filed: FiledClaim,
  accepted: AcceptedClaim,
  now: Date,
): Promise<RecordClaimOutcome> => {
  const voucher = await issueVoucher(table, accepted);
  const { created, claim } = await putClaim(table, {
    ...filed,
    verdict: 'accepted',
    resultVersion: accepted.resultVersion,
    voucherFen: accepted.voucherFen,
    voucher: formatMoney(accepted.voucherFen),
    recordedAt: now.toISOString(),
  });
  return { kind: created ? 'recorded' : 'already-recorded', claim, voucher };
};

/** The accepted claim of a service month, or undefined — for the reminder job: no reminder once one is accepted. */
export const getAcceptedClaim = (
  table: Table,
  accountId: string,
  orderId: string,
  month: string,
): Promise<AcceptedClaim | undefined> => getDoc<AcceptedClaim>(table, acceptedKey(accountId, orderId, month));

/** Whether a service month has an accepted claim (one strongly consistent GetItem). */
export const hasAcceptedClaim = async (
  table: Table,
  accountId: string,
  orderId: string,
  month: string,
): Promise<boolean> => (await getAcceptedClaim(table, accountId, orderId, month)) !== undefined;

/**
 * Records a claim and its verdict once (see the top of this file). `judge` is called at most
 * twice (never after the commit point); `alreadyAccepted` tells it another claim of the same
 * service month is accepted (the R10 `duplicate`, decided after every other reason).
 */
export const recordClaimOnce = async (
  table: Table,
  filed: FiledClaim,
  judge: (alreadyAccepted: boolean) => Promise<Judgement>,
  now: Date,
): Promise<RecordClaimOutcome> => {
  const taken = await takeClaimId(table, filed);
  if (taken.kind === 'conflict') return taken;
  const key = claimKey(filed);
  const stored = await getDoc<ClaimRecord>(table, key);
  if (stored) return { kind: 'already-recorded', claim: stored, voucher: await voucherFor(table, stored) };

  const { accountId, orderId, month } = filed;
  const serviceMonth = accountId && orderId && month ? { accountId, orderId, month } : undefined;
  const accepted = serviceMonth
    ? await getAcceptedClaim(table, serviceMonth.accountId, serviceMonth.orderId, serviceMonth.month)
    : undefined;
  if (accepted?.claimId === filed.claimId) return finishAccepted(table, filed, accepted, now);

  let judgement = await judge(accepted !== undefined);
  if (judgement.accepted) {
    if (!serviceMonth) throw new ClaimStoreError(`claim ${filed.claimId}: accepted without a service month`);
    const mine: AcceptedClaim = {
      ...serviceMonth,
      claimId: filed.claimId,
      voucherFen: judgement.voucherFen,
      resultVersion: judgement.resultVersion,
      acceptedAt: now.toISOString(),
    };
    const marker = acceptedKey(serviceMonth.accountId, serviceMonth.orderId, serviceMonth.month);
    if (await putNew(table, marker, mine, { claimId: { S: filed.claimId } }))
      return finishAccepted(table, filed, mine, now);
    const winner = await getDoc<AcceptedClaim>(table, marker);
    if (winner?.claimId === filed.claimId) return finishAccepted(table, filed, winner, now);
    judgement = await judge(true);
    if (judgement.accepted) throw new ClaimStoreError(`claim ${filed.claimId}: accepted beside another`);
  }
  const { created, claim } = await putClaim(table, {
    ...filed,
    verdict: 'rejected',
    reason: judgement.reason,
    ...(judgement.resultVersion === undefined ? {} : { resultVersion: judgement.resultVersion }),
    recordedAt: now.toISOString(),
  });
  return { kind: created ? 'recorded' : 'already-recorded', claim, voucher: await voucherFor(table, claim) };
};

/** The voucher issued for an accepted claim record; undefined for a rejected one. */
const voucherFor = async (table: Table, claim: ClaimRecord): Promise<VoucherIssuance | undefined> =>
  claim.verdict === 'accepted' && claim.accountId && claim.orderId && claim.month
    ? getVoucher(table, claim.month, claim.accountId, claim.orderId)
    : undefined;

/** A claim by its id (through the id's record), or undefined. */
export const getClaim = async (table: Table, claimId: string): Promise<ClaimRecord | undefined> => {
  const filed = await getDoc<FiledClaim>(table, claimIdKey(claimId));
  return filed === undefined ? undefined : getDoc<ClaimRecord>(table, claimKey(filed));
};

/**
 * An account's claims (`accountId` '' for the claims filed without one), of one month or all,
 * by month, order, claim id; and the accepted records among the same keys.
 */
export const listClaims = async (
  table: Table,
  accountId: string,
  month?: string,
): Promise<{ claims: ClaimRecord[]; accepted: AcceptedClaim[] }> => {
  const claims: ClaimRecord[] = [];
  const accepted: AcceptedClaim[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: month === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :month)',
      ExpressionAttributeValues: {
        ':pk': { S: claimPk(accountId) },
        ...(month === undefined ? {} : { ':month': { S: `${month}#` } }),
      },
      ConsistentRead: true,
    },
    (item) => {
      const sk = item.sk?.S ?? '';
      const doc = JSON.parse(item.doc?.S ?? 'null') as unknown;
      if (sk.includes('#C#')) claims.push(doc as ClaimRecord);
      else if (sk.endsWith('#ACCEPTED')) accepted.push(doc as AcceptedClaim);
    },
  );
  return { claims, accepted };
};

/**
 * Every recorded claim, of any account (also those filed without one or for an unknown account),
 * in claim id order: the claim ids' partition, then their records (BatchGetItem). A claim id
 * taken by an attempt that died before recording its verdict has no record yet: left out.
 */
export const listAllClaims = async (table: Table): Promise<ClaimRecord[]> => {
  const filed: FiledClaim[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: CLAIM_ID_PK } },
      ConsistentRead: true,
    },
    (item) => filed.push(JSON.parse(item.doc?.S ?? 'null') as FiledClaim),
  );
  const byId = new Map<string, ClaimRecord>();
  await batchGetAll(table, filed.map(claimKey), true, (item) => {
    const claim = JSON.parse(item.doc?.S ?? 'null') as ClaimRecord;
    byId.set(claim.claimId, claim);
  });
  return filed.flatMap((f) => byId.get(f.claimId) ?? []);
};

/** The claims of one service month (any verdict) and its accepted one: one Query. */
export const claimsOfServiceMonth = async (
  table: Table,
  accountId: string,
  orderId: string,
  month: string,
): Promise<{ claims: ClaimRecord[]; accepted: AcceptedClaim | undefined }> => {
  const { claims, accepted } = await listClaims(table, accountId, month);
  return {
    claims: claims.filter((c) => c.orderId === orderId),
    accepted: accepted.find((a) => a.orderId === orderId),
  };
};

/** The voucher issued for a service month, or undefined. */
export const getVoucher = (
  table: Table,
  month: string,
  accountId: string,
  orderId: string,
): Promise<VoucherIssuance | undefined> => getDoc<VoucherIssuance>(table, voucherKey(month, accountId, orderId));

/** Every voucher issued for service months of a calendar month, by account and order (for billing). */
export const listVouchers = async (table: Table, month: string): Promise<VoucherIssuance[]> => {
  const vouchers: VoucherIssuance[] = [];
  await queryPages(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: voucherPk(month) } },
      ConsistentRead: true,
    },
    (item) => vouchers.push(JSON.parse(item.doc?.S ?? 'null') as VoucherIssuance),
  );
  return vouchers;
};
