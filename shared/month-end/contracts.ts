// The month-end workflow's task payloads: what each Lambda of the state machine takes and gives.
// Kept small (Step Functions passes at most 256 KB between states): accounts travel in batches,
// results stay in DynamoDB and only counts come back.
//
//   Plan ─► Map over batches (EvaluateBatch) ─► Summarise ─► Wait until opensAt ─► EnqueueNotices

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

export interface AccountBatch {
  readonly accounts: readonly string[];
}

/** Plan → Map */
export interface PlanOutput extends MonthEndInput {
  readonly runId: string;
  readonly batches: readonly (AccountBatch & {
    readonly month: string;
    readonly runId: string;
    readonly reason: EvaluationReason;
    readonly requestedBy: string;
    readonly note?: string;
  })[];
  readonly accountCount: number;
}

/** One batch, given to EvaluateBatch by the Map. */
export type BatchInput = PlanOutput['batches'][number];

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
  /** service months with fewer observed minutes than the coverage threshold */
  readonly coverageGaps: readonly string[];
  /** accounts that failed alone, with the reason; the rest of the batch is done */
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
  readonly coverageGaps: readonly string[];
  readonly failed: readonly { accountId: string; error: string }[];
  /** when the month's claim windows open: opensOn 00:00 in the policy zone, ISO-8601 (Wait's TimestampPath) */
  readonly opensAt: string;
}
