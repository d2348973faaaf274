// Ingesting probe results (NDJSON) into minute facts in DynamoDB — the one path that the probe
// feed puller, the built-in prober and `sla ingest --probes` all take.
//
// Primary course:
//   1. read the orders: only results inside a service period of a known account are kept (R4);
//   2. scan the NDJSON with the same byte scanner as `sla evaluate`: kept fields only (R12),
//      every rejected line counted and quarantined with its problems, never its text;
//   3. fold the results into account-hours and ADD each hour's minute sets in one write;
//   4. record the run's counts, and for a run over a span of time (a feed window, a prober run)
//      its probe coverage: the accounts in service during the span, and those with a result kept.

import { DateTime } from 'luxon';
import { overlapsPeriods, periodTable } from '#domain/account-periods.ts';
import { parseMoney } from '#domain/fees.ts';
import type { Order } from '#domain/service-months.ts';
import { ProbeScanner, type RejectedLine } from '#probes/probe-scanner.ts';
import { isSealed, writeHourFacts } from '../adapters/dynamodb/minute-fact-repository.ts';
import {
  type IngestRunRecord,
  putIngestRun,
  putQuarantined,
  readOrders,
} from '../adapters/dynamodb/registry-repository.ts';
import type { Table } from '../adapters/dynamodb/table.ts';

export interface IngestOptions {
  readonly table: Table;
  /** where the results come from: `probe-feed`, `prober`, `backfill` */
  readonly source: string;
  /** this run's id, unique per source (a window start, a timestamp) */
  readonly runId: string;
  /** the policy time zone (R1) */
  readonly timeZone: string;
  /** raw facts are kept this many days after the last claim that could depend on them closes */
  readonly retentionDaysAfterClaimClose: number;
  /** parallel writes */
  readonly concurrency?: number;
  /** the clock that decides whether an hour's day is sealed (its results then go to LATE# items) */
  readonly now?: () => Date;
  readonly onProgress?: (progress: { lines: number; bytes: number }) => void;
}

/** A run's counts (the run record without its identity). */
export type IngestSummary = Omit<IngestRunRecord, 'source' | 'runId' | 'finishedAt'>;

/** The span of time a run covers, in epoch minutes [fromMinute, toMinute), and whose probes it expects. */
export interface CoverageSpan {
  readonly fromMinute: number;
  readonly toMinute: number;
  /** only these accounts are expected (the prober: the accounts it probed); default every account */
  readonly among?: ReadonlySet<string>;
}

/**
 * Probe coverage of a span: `accountsExpected` accounts had an order in service at some minute of
 * it (an order that starts or ends inside the span counts); `accountsCovered` of them had at least
 * one result kept in this run — inside a service period of theirs, whatever its own minute (a late
 * result counts). A result ignored (before activation, after the end) covers nothing.
 */
export interface IngestCoverage {
  readonly accountsExpected: number;
  readonly accountsCovered: number;
  /** the first UNCOVERED_LISTED expected accounts with no result kept, by id: where to look first */
  readonly accountsUncovered?: readonly string[];
}

/** How many uncovered accounts a run names (the counts are whole; the list only points the way). */
export const UNCOVERED_LISTED = 20;

/** Covered accounts as a whole percentage of the expected ones, rounded down; undefined when none is expected. */
export const coveragePercent = ({ accountsExpected, accountsCovered }: IngestCoverage): number | undefined =>
  accountsExpected > 0 ? Math.floor((accountsCovered * 100) / accountsExpected) : undefined;

export const ordersFromRecords = (
  records: readonly { accountId: string; orderId: string; startDate: string; months: number; cashPaid: string }[],
): Order[] =>
  records.map((r) => {
    const cash = parseMoney(r.cashPaid);
    return { ...r, cashPaidFen: typeof cash === 'number' ? cash : 0 };
  });

/**
 * Epoch seconds after which a minute fact of `epochHour` can go: the last claim that can depend
 * on it closes 60 days after the end of its calendar month (R9: E + 60, E ≤ month end).
 */
export const expiryOfHour = (epochHour: number, zone: string, retentionDays: number): number => {
  const nextMonth = DateTime.fromMillis(epochHour * 3_600_000, { zone })
    .startOf('month')
    .plus({ months: 1 });
  return Math.floor(nextMonth.plus({ days: 60 + retentionDays }).toSeconds());
};

export class ProbeIngest {
  private readonly rejected: RejectedLine[] = [];
  private readonly expiries = new Map<number, number>();
  private bytes = 0;

  private constructor(
    private readonly options: IngestOptions,
    private readonly scanner: ProbeScanner,
    /** service periods of `scanner.accountIds[i]`, flat [start, end) epoch-minute pairs */
    private readonly periods: readonly Float64Array[],
    /** orders that could not be read (`account/order`), left out of this run */
    readonly corruptOrders: readonly string[],
  ) {}

  static async open(options: IngestOptions): Promise<ProbeIngest> {
    // an unreadable order is left out: its account's results are ignored and counted, and the
    // run names it (corruptOrders) for the operator
    const { orders: records, corrupt } = await readOrders(options.table);
    const orders = ordersFromRecords(records);
    const periods = periodTable(orders, options.timeZone);
    const ids = [...periods.keys()];
    const periodList = ids.map((id) => periods.get(id) ?? new Float64Array());
    let ingest: ProbeIngest | undefined;
    const scanner = new ProbeScanner(ids, periodList, (problem) => ingest?.rejected.push(problem));
    ingest = new ProbeIngest(
      options,
      scanner,
      periodList,
      corrupt.map((c) => `${c.accountId}/${c.orderId}`),
    );
    return ingest;
  }

  /** Scans a chunk of NDJSON (lines may be cut anywhere). */
  push(chunk: Uint8Array): void {
    this.scanner.push(chunk);
    this.bytes += chunk.length;
    this.options.onProgress?.({ lines: this.scanner.tally.lines, bytes: this.bytes });
  }

  /**
   * Scans the last line, writes every account-hour and the quarantine, and records the run — with
   * its probe coverage when the run covers a span of time.
   */
  finish(span: CoverageSpan): Promise<IngestSummary & IngestCoverage>;
  finish(): Promise<IngestSummary>;
  async finish(span?: CoverageSpan): Promise<IngestSummary> {
    this.scanner.finish();
    const { table, source, runId, timeZone, retentionDaysAfterClaimClose } = this.options;
    const writes: (() => Promise<void>)[] = [];
    const nowMs = (this.options.now?.() ?? new Date()).getTime();
    this.scanner.pages.forEach((pages, index) => {
      const accountId = this.scanner.accountIds[index] ?? '';
      for (const [pageNo, page] of pages) {
        for (let h = 0; h < 24; h++) {
          const states = page.subarray(h * 60, h * 60 + 60);
          if (!states.some((s) => s !== 0)) continue;
          const epochHour = pageNo * 24 + h;
          let expiresAt = this.expiries.get(epochHour);
          if (expiresAt === undefined) {
            expiresAt = expiryOfHour(epochHour, timeZone, retentionDaysAfterClaimClose);
            this.expiries.set(epochHour, expiresAt);
          }
          const hour = { accountId, epochHour, states, expiresAt, late: isSealed(pageNo, nowMs) };
          writes.push(() => writeHourFacts(table, hour));
        }
      }
    });
    const now = new Date().toISOString();
    for (const r of this.rejected) {
      writes.push(() =>
        putQuarantined(table, {
          source,
          runId,
          line: r.line,
          problems: r.problems.map((p) => ({ field: p.field, message: p.message })),
          ...(r.kept ? { kept: r.kept } : {}),
          sha256: r.sha256,
          bytes: r.bytes,
          quarantinedAt: now,
        }),
      );
    }
    await runBounded(writes, this.options.concurrency ?? 16);
    const { lines, probes, ignoredProbes, droppedFields, rejectedLines } = this.scanner.tally;
    const summary: IngestSummary = {
      lines,
      probes,
      ignoredProbes,
      droppedFields,
      quarantined: rejectedLines,
      hourItems: writes.length - this.rejected.length,
      corruptOrders: this.corruptOrders,
      ...(span ? this.coverage(span) : {}),
    };
    await putIngestRun(table, { source, runId, ...summary, finishedAt: new Date().toISOString() });
    return summary;
  }

  /** Expected: in service during the span (and among the span's accounts); covered: a result kept. */
  private coverage({ fromMinute, toMinute, among }: CoverageSpan): IngestCoverage {
    let accountsExpected = 0;
    let accountsCovered = 0;
    const uncovered: string[] = [];
    this.scanner.accountIds.forEach((accountId, index) => {
      if (among && !among.has(accountId)) return;
      if (!overlapsPeriods(this.periods[index] ?? new Float64Array(), fromMinute, toMinute)) return;
      accountsExpected++;
      // the scanner makes an account's day page only for a result it keeps
      if ((this.scanner.pages[index]?.size ?? 0) > 0) accountsCovered++;
      else uncovered.push(accountId);
    });
    const accountsUncovered = uncovered.sort().slice(0, UNCOVERED_LISTED);
    return { accountsExpected, accountsCovered, ...(accountsUncovered.length > 0 ? { accountsUncovered } : {}) };
  }
}

/** Runs the tasks with at most `limit` in flight; the first failure rejects after all settle. */
export const runBounded = async (tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> => {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      try {
        await task?.();
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (errors.length > 0) throw errors[0];
};
