// Probe results and the minute state they fold into (SPEC R4, R12).
//
// A probe result keeps only `accountId`, `function`, `at`, `ok` and `cause`; every other field
// is dropped unread and counted (R12). Each result becomes a bit set for its clock minute, and
// the bits of one account-minute are OR-ed together: the fold is commutative and idempotent, so
// the verdict of a minute never depends on the order, batching or duplication of its results.

import { type Instant, minuteOf, parseInstant } from './instant.ts';

export const PROBE_FUNCTIONS = ['checkUpdate', 'publish', 'download', 'manage'] as const;
export type ProbeFunction = (typeof PROBE_FUNCTIONS)[number];

/** Failure causes, in clause order. `platform` counts as unavailable; the rest are excluded under their clause. */
export const CAUSES = [
  'platform',
  'network',
  'attack',
  'credentials',
  'customer',
  'unsupported',
  'external',
  'suspended',
  'legal',
] as const;
export type Cause = (typeof CAUSES)[number];

/** The agreement's exclusion clauses; index = clause code (1 → §4.1 … 9 → §4.9). */
export const CLAUSES = ['', '4.1', '4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9'] as const;
export type Clause = Exclude<(typeof CLAUSES)[number], ''>;
export const clauseCode = (clause: Clause): number => CLAUSES.indexOf(clause);

/** The probe fields the pipeline keeps (R12): everything else is dropped and counted. */
export const PROBE_FIELDS: ReadonlySet<string> = new Set(['accountId', 'function', 'at', 'ok', 'cause']);

// Minute state bits.
export const OBSERVED = 1;
export const ANY_OK = 2;
export const PLATFORM_FAILURE = 4;
/** Bit of an excluded cause; causes 1..8 (network … legal) are clauses 4.2 … 4.9. */
export const causeBit = (causeIndex: number): number => (causeIndex === 0 ? PLATFORM_FAILURE : 4 << causeIndex);
/** All excluded-cause bits (network … legal). */
export const EXCLUDED_CAUSE_BITS = 0b111_1111_1000;

/** Minute-state bits of one result. */
export const resultBits = (ok: boolean, causeIndex: number): number =>
  ok ? OBSERVED | ANY_OK : OBSERVED | causeBit(causeIndex);

/** Lowest clause code (2..9) among the excluded causes of a minute state, or 0 when none. */
export const lowestCauseClause = (state: number): number => {
  const causes = state & EXCLUDED_CAUSE_BITS;
  if (causes === 0) return 0;
  // cause i has bit 4<<i and clause code i+1
  return 31 - Math.clz32(causes & -causes) - 1;
};

export const causeOfClause = (code: number): Cause => CAUSES[code - 1] ?? 'platform';

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;
export const checkId = (value: unknown): string | null => {
  if (typeof value !== 'string') return 'must be an id string';
  if (!ID.test(value)) {
    return value.length === 0 || value.length > 128
      ? 'must be 1 to 128 characters long'
      : `"${value.slice(0, 40)}" has characters outside A-Z a-z 0-9 . _ : @ -`;
  }
  return null;
};

export interface ProbeResult {
  readonly accountId: string;
  readonly function: ProbeFunction;
  readonly at: Instant;
  readonly ok: boolean;
  readonly cause: Cause | undefined;
}

export interface ProbeProblem {
  readonly field: string;
  readonly message: string;
}

/** A validated probe: its account, epoch minute and state bits, plus the count of dropped fields. */
export interface ProbeFact {
  readonly accountId: string;
  readonly minute: number;
  readonly bits: number;
  readonly droppedFields: number;
}

/**
 * Validates one decoded probe object. Returns the fact, or the problems (field-relative paths).
 * Unknown fields are not read, only counted.
 */
export const validateProbe = (value: unknown): ProbeFact | ProbeProblem[] => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: '', message: 'must be a JSON object' }];
  }
  const record = value as Record<string, unknown>;
  const problems: ProbeProblem[] = [];
  let droppedFields = 0;
  for (const key of Object.keys(record)) if (!PROBE_FIELDS.has(key)) droppedFields++;

  const accountProblem = 'accountId' in record ? checkId(record.accountId) : 'is required';
  if (accountProblem) problems.push({ field: 'accountId', message: accountProblem });
  if (!('function' in record)) problems.push({ field: 'function', message: 'is required' });
  else if (!PROBE_FUNCTIONS.includes(record.function as ProbeFunction)) {
    problems.push({ field: 'function', message: `must be one of ${PROBE_FUNCTIONS.join(', ')}` });
  }
  const at = 'at' in record ? parseInstant(record.at) : 'is required';
  if (typeof at === 'string') problems.push({ field: 'at', message: at });
  if (!('ok' in record)) problems.push({ field: 'ok', message: 'is required' });
  else if (typeof record.ok !== 'boolean') problems.push({ field: 'ok', message: 'must be true or false' });
  let causeIndex = 0;
  if ('cause' in record) {
    causeIndex = CAUSES.indexOf(record.cause as Cause);
    if (causeIndex < 0) problems.push({ field: 'cause', message: `must be one of ${CAUSES.join(', ')}` });
  }
  if (problems.length > 0 || typeof at === 'string') return problems;
  return {
    accountId: record.accountId as string,
    minute: minuteOf(at),
    bits: resultBits(record.ok as boolean, causeIndex),
    droppedFields,
  };
};
