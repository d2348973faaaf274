// The month-end workflow's task payloads: what each Lambda of the state machine takes and gives.
// Kept small (Step Functions passes at most 256 KB between states) for any number of accounts:
// the Map carries batch numbers (each batch's accounts are a DynamoDB item, RUN#<runId>), results
// stay in DynamoDB, and only counts and the first few names of failures and gaps come back.
//
//   Plan ─► Map over batches (EvaluateBatch) ─► Summarise ─► Wait until opensAt
//        ─► Map over batches (NotifyBatch) ─► Done

/** Why a month is being evaluated. */
export type EvaluationReason = 'scheduled' | 'recalculation';

/** Input of the whole execution (and of Plan). */
export interface MonthEndInput {
  /** the calendar month whose service months are evaluated, `YYYY-MM` */
  readonly month: string;
  readonly reason: EvaluationReason;
  /** who asked: `schedule` or an operator's name */
  readonly requestedBy: string;
  /** recalculation of these accounts only; absent: every account with a service month in the month */
  readonly accounts?: readonly string[];
  /** why a recalculation was asked (required for one) */
  readonly note?: string;
}

/** One batch, given to EvaluateBatch by the Map: its accounts are the item RUN#<runId> BATCH#<batch>. */
export interface BatchInput {
  readonly runId: string;
  readonly batch: number;
  readonly month: string;
  readonly reason: EvaluationReason;
  readonly requestedBy: string;
  readonly note?: string;
}

/** Plan → Map */
export interface PlanOutput extends MonthEndInput {
  readonly runId: string;
  readonly batches: readonly BatchInput[];
  readonly accountCount: number;
}

/** How many names of failed accounts and coverage gaps travel in a batch's output and in the summary. */
export const LISTED_PER_BATCH = 20;
export const LISTED_IN_SUMMARY = 50;

export interface TierCounts {
  readonly met: number;
  readonly tier10: number;
  readonly tier25: number;
  readonly tier100: number;
}

/** EvaluateBatch → (Map result) */
export interface BatchOutput {
  readonly evaluated: number;
  /** service months whose stored result got a new version (changed facts or first evaluation) */
  readonly newVersions: number;
  readonly tiers: TierCounts;
  /** vouchers of this batch, fen */
  readonly voucherFen: number;
  /** service months with fewer observed minutes than the coverage threshold: how many, the first ones */
  readonly coverageGapCount: number;
  readonly coverageGaps: readonly string[];
  /** accounts that failed alone, with the reason (how many, the first ones); the rest of the batch is done */
  readonly failedCount: number;
  readonly failed: readonly { accountId: string; error: string }[];
}

/** Summarise → Wait → EnqueueNotices */
export interface SummaryOutput {
  readonly month: string;
  readonly runId: string;
  readonly evaluated: number;
  readonly newVersions: number;
  readonly tiers: TierCounts;
  readonly voucherTotal: string;
  /** every gap and failure is in the batch records (RUN#<runId>); the first ones are listed here */
  readonly coverageGapCount: number;
  readonly coverageGaps: readonly string[];
  readonly failedCount: number;
  readonly failed: readonly { accountId: string; error: string }[];
  /** when the month's claim windows open: opensOn 00:00 in the policy zone, ISO-8601 (Wait's TimestampPath) */
  readonly opensAt: string;
}

/** Wait → Map → NotifyBatch: a batch, and when the windows open (no notice before). */
export interface NotifyInput {
  readonly runId: string;
  readonly batch: number;
  readonly month: string;
  readonly opensAt: string;
}

/** NotifyBatch → (Map result) */
export interface NotifyOutput {
  /** notices decided and queued by this run */
  readonly windowOpen: number;
  readonly corrections: number;
  /** notices found pending (decided by an earlier attempt) and queued again */
  readonly resent: number;
  /** accounts whose notices could not be decided, with the reason (how many, the first ones) */
  readonly failedCount: number;
  readonly failed: readonly { accountId: string; error: string }[];
}

/** The execution's output. */
export interface MonthEndOutput {
  readonly summary: SummaryOutput;
  readonly notices: readonly NotifyOutput[];
}
