// Every key of the pipeline's single DynamoDB table, in one place.
//
// | entity                  | pk                        | sk                                  | notes |
// |-------------------------|---------------------------|-------------------------------------|-------|
// | minute facts (1 hour)   | ACCOUNT#<accountId>       | HOUR#<epoch hour, 9 digits>         | string sets of runs of minute offsets ("0-59", "7") per state bit (ADD: idempotent, order-free); ttl |
// | compacted day           | ACCOUNT#<accountId>       | DAY#<epoch day, 6 digits>           | the day's HOUR# items folded: one 180-byte bitmap per state bit; ttl |
// | late minute facts       | ACCOUNT#<accountId>       | DAY#<epoch day>#LATE#<epoch hour 9d> | as HOUR#, for results written after their UTC day was sealed |
// | account profile         | PROFILE                   | <accountId>                         | prober base URL, active flag (registry partition) |
// | contact preferences     | CONTACT                   | <accountId>                         | notice channels (later stage) |
// | order                   | ORDER                     | <accountId>#<orderId>               | registry partition: the month-end and ingest read all orders in one paged Query |
// | maintenance window      | MAINTENANCE               | <id>                                | §4.1 announcement |
// | operator exclusion      | EXCLUSION                 | <id>                                | §4.2–§4.9 with reason |
// | ingest checkpoint       | CHECKPOINT                | <source>                            | watermark (epoch minute), conditional advance |
// | ingest run              | INGEST_RUN#<source>       | <window or run id>                  | counts per run: lines, facts, ignored, dropped, quarantined |
// | quarantined record      | QUARANTINE#<source>       | <run id>#<line, 10 digits>          | problems, kept fields only, SHA-256 of the line; never the raw text |
// | service-month result    | RESULT#<accountId>        | <month>#<orderId>#V#<version, 6 d.> | one evaluation: report fields, input fingerprint, engine version, reason, who, when; never rewritten |
// | latest result pointer   | RESULT#<accountId>        | <month>#<orderId>#LATEST            | version, fingerprint, tier, voucher: conditional on the version it replaces |
// | month-end batch         | RUN#<runId>               | BATCH#<n, 5 digits>                 | the accounts of one batch (the Map carries only its number); its outcome; ttl |
// | notice                  | NOTICE#<accountId>        | <month>#<orderId>#<kind>[#V<version>] | one notice to a customer: what it told, pending → enqueued → delivered; the worker's lease (leaseUntil, claimToken, claims), sentChannels, deliveredAt/deliveredChannels |
// | reminder due            | REMINDER#<YYYY-MM-DD>     | <accountId>#<orderId>#<month>       | written with a window-open notice: the day (Asia/Shanghai) its reminder falls due (closesOn − N days); the daily reminder function Queries its day |
// | claim                   | CLAIM#<accountId>         | <month>#<orderId>#C#<claimId>       | one claim as filed (ids, month, filedAt, channel) and its R10 verdict and reason; never rewritten |
// | claim id                | CLAIM_ID                  | <claimId>                           | the id taken and the content filed under it (conflict check); one partition of every claim id, so `sla claims list` reads every claim, of any account, in one paged Query |
// | accepted claim          | CLAIM#<accountId>         | <month>#<orderId>#ACCEPTED          | created conditionally with the first accepted claim: a second one is `duplicate` |
// | voucher issuance        | VOUCHER#<service month>   | <accountId>#<orderId>               | for billing: amount (fen and text), currency, service, non-cash, non-transferable, the claim it answers |
//
// Hour items are keyed by the UTC epoch hour (floor(epochMinute / 60)): every zone in use has
// whole-hour or half-hour offsets, and a clock minute is one epoch minute, so no minute is ever
// split between items. A UTC day is sealed SEAL_AFTER_MINUTES after it ends: results for it
// written later go to LATE# items, so the day's HOUR# items never change after the seal, and the
// daily compaction folds them into one DAY# item. The month-end reads an account-month with
// two Queries on ACCOUNT#<id>: the DAY# range (~31 day items and the late hours, usually none)
// and the HOUR# items of days not compacted yet (the last hours) — see minute-fact-repository.ts.

export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;
export const TTL_ATTRIBUTE = 'ttl';

export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;
export const hourSk = (epochHour: number): string => `HOUR#${String(epochHour).padStart(9, '0')}`;
export const daySk = (epochDay: number): string => `DAY#${String(epochDay).padStart(6, '0')}`;
/**
 * A late hour sorts right after its day's DAY# item, so one Query over a range of days reads the
 * compacted days and every late result for them.
 */
export const lateHourSk = (epochHour: number): string =>
  `${daySk(Math.floor(epochHour / 24))}#LATE#${String(epochHour).padStart(9, '0')}`;
/** The highest sort key of a day's DAY# range (its DAY# item and its late hours). */
export const dayRangeEndSk = (epochDay: number): string => `${daySk(epochDay)}#~`;
export const isLateSk = (sk: string): boolean => sk.startsWith('DAY#') && sk.includes('#LATE#');
export const isDaySk = (sk: string): boolean => sk.startsWith('DAY#') && !sk.includes('#LATE#');
/** The epoch hour of a HOUR# or late-hour sort key. */
export const epochHourOfSk = (sk: string): number => Number(sk.slice(sk.length - 9));
export const epochDayOfSk = (sk: string): number => Number(sk.slice('DAY#'.length, 'DAY#'.length + 6));
/** A UTC day is sealed this long after it ends: later results for it are LATE#. */
export const SEAL_AFTER_MINUTES = 120;
/** A sealed day is compacted no earlier than this after it ends (the seal plus an ingest run's longest life). */
export const COMPACT_AFTER_MINUTES = SEAL_AFTER_MINUTES + 30;
export const COMPACTION_SOURCE = 'compaction';
export const PROFILE_PK = 'PROFILE';
export const CONTACT_PK = 'CONTACT';

export const ORDER_PK = 'ORDER';
export const orderSk = (accountId: string, orderId: string): string => `${accountId}#${orderId}`;

export const MAINTENANCE_PK = 'MAINTENANCE';
export const EXCLUSION_PK = 'EXCLUSION';

export const CHECKPOINT_PK = 'CHECKPOINT';
/** Ingest sources: the probe-feed puller, the built-in prober, `sla ingest --probes`. */
export const FEED_SOURCE = 'probe-feed';
export const PROBER_SOURCE = 'prober';
export const BACKFILL_SOURCE = 'backfill';
export const ingestRunPk = (source: string): string => `INGEST_RUN#${source}`;
export const quarantinePk = (source: string): string => `QUARANTINE#${source}`;
export const quarantineSk = (runId: string, line: number): string => `${runId}#${String(line).padStart(10, '0')}`;

export const resultPk = (accountId: string): string => `RESULT#${accountId}`;
export const resultVersionSk = (month: string, orderId: string, version: number): string =>
  `${month}#${orderId}#V#${String(version).padStart(6, '0')}`;
export const resultLatestSk = (month: string, orderId: string): string => `${month}#${orderId}#LATEST`;

export const runPk = (runId: string): string => `RUN#${runId}`;
export const batchSk = (batch: number): string => `BATCH#${String(batch).padStart(5, '0')}`;

export const reminderPk = (day: string): string => `REMINDER#${day}`;
export const reminderSk = (accountId: string, orderId: string, month: string): string =>
  `${accountId}#${orderId}#${month}`;

export const CLAIM_ID_PK = 'CLAIM_ID';
export const claimPk = (accountId: string): string => `CLAIM#${accountId}`;
export const claimSk = (month: string, orderId: string, claimId: string): string => `${month}#${orderId}#C#${claimId}`;
export const acceptedClaimSk = (month: string, orderId: string): string => `${month}#${orderId}#ACCEPTED`;

export const voucherPk = (month: string): string => `VOUCHER#${month}`;
export const voucherSk = (accountId: string, orderId: string): string => `${accountId}#${orderId}`;

export const noticePk = (accountId: string): string => `NOTICE#${accountId}`;
/** window-open: one per service month; correction: one per version that changed tier or voucher. */
export const noticeSk = (month: string, orderId: string, kind: string, version?: number): string =>
  `${month}#${orderId}#${kind}${version === undefined ? '' : `#V${String(version).padStart(6, '0')}`}`;
