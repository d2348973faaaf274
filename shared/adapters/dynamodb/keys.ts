// Every key of the pipeline's single DynamoDB table, in one place.
//
// | entity                  | pk                        | sk                                  | notes |
// |-------------------------|---------------------------|-------------------------------------|-------|
// | minute facts (1 hour)   | ACCOUNT#<accountId>       | HOUR#<epoch hour, 9 digits>         | number sets of minute offsets 0..59 per state bit (ADD: idempotent, order-free); ttl |
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
// | claims, notices         | reserved: CLAIM#…, NOTICE#… (later stages)                                | |
//
// Hour items are keyed by the UTC epoch hour (floor(epochMinute / 60)): every zone in use has
// whole-hour or half-hour offsets, and a clock minute is one epoch minute, so no minute is ever
// split between items. The month-end reads one account-month with one Query on ACCOUNT#<id>
// between HOUR#<first> and HOUR#<last> (744 items of ~150 bytes: ~14 read units).

export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;
export const TTL_ATTRIBUTE = 'ttl';

export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;
export const hourSk = (epochHour: number): string => `HOUR#${String(epochHour).padStart(9, '0')}`;
export const epochHourOfSk = (sk: string): number => Number(sk.slice('HOUR#'.length));
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
