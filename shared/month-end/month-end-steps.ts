// The month-end workflow's steps as use cases; functions/month-end-*.ts are their thin handlers.
//
//   plan            — the accounts with a service month in the month, in batches (stored)
//   evaluateBatch   — each account evaluated alone (one failure never sinks the batch)
//   summarise       — counts per tier, vouchers, coverage gaps, failures; when windows open

import { DateTime } from 'luxon';
import {
  type CorruptOrder,
  listExclusions,
  listMaintenance,
  type OrderRecord,
  ordersOfAccount,
  readOrders,
  readOrdersOfRange,
} from '#adapters/dynamodb/registry-repository.ts';
import { getLatestMany, type LatestPointer } from '#adapters/dynamodb/result-repository.ts';
import { getBatch, putBatch, putBatchOutcome } from '#adapters/dynamodb/run-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { claimWindowFor } from '#domain/claim-window.ts';
import { type ExclusionWindow, effectiveWindows } from '#domain/exclusions.ts';
import { formatMoney } from '#domain/fees.ts';
import { checkMonth, parseInstant } from '#domain/instant.ts';
import { type Clause, checkId } from '#domain/probe.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';
import {
  type BatchInput,
  type BatchOutput,
  LISTED_IN_SUMMARY,
  LISTED_PER_BATCH,
  type MonthEndInput,
  type PlanOutput,
  type SummaryOutput,
  type TierCounts,
} from './contracts.ts';
import { evaluateAccountMonth } from './evaluate-account-month.ts';

export interface MonthEndSettings {
  readonly table: Table;
  readonly timeZone: string;
  readonly batchSize: number;
  readonly maintenanceMinNoticeHours: number;
  /** a service month observed on fewer minutes than this share of its total is a coverage gap */
  readonly coverageMinPercent: number;
  readonly now: () => Date;
  /** China's official calendar (default), or one with overrides (a scenario's own days, strictness) */
  readonly calendar?: BusinessCalendar;
}

export class MonthEndInputError extends Error {}

/** Checks the execution input; every problem is named. */
export const checkMonthEndInput = (input: unknown): MonthEndInput => {
  const value = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const monthProblem = checkMonth(value.month);
  if (monthProblem) problems.push(`month: ${monthProblem}`);
  if (value.reason !== 'scheduled' && value.reason !== 'recalculation')
    problems.push('reason: must be scheduled or recalculation');
  if (typeof value.requestedBy !== 'string' || value.requestedBy === '') problems.push('requestedBy: is required');
  if (value.accounts !== undefined) {
    if (!Array.isArray(value.accounts)) problems.push('accounts: must be an array of account ids');
    else
      value.accounts.forEach((a, i) => {
        const p = checkId(a);
        if (p) problems.push(`accounts[${i}]: ${p}`);
      });
  }
  if (value.reason === 'recalculation' && (typeof value.note !== 'string' || value.note.trim() === '')) {
    problems.push('note: a recalculation needs its reason');
  }
  if (problems.length > 0) throw new MonthEndInputError(problems.join('; '));
  return {
    month: value.month as string,
    reason: value.reason as MonthEndInput['reason'],
    requestedBy: value.requestedBy as string,
    ...(value.accounts !== undefined ? { accounts: value.accounts as string[] } : {}),
    ...(typeof value.note === 'string' ? { note: value.note } : {}),
  };
};

/**
 * A scheduled start gives no month but the schedule's time (Scheduler's
 * `<aws.scheduler.scheduled-time>`): the month evaluated is the one before it, in the policy zone.
 */
export const withMonth = (raw: unknown, timeZone: string): unknown => {
  if (typeof raw !== 'object' || raw === null) return raw;
  const value = raw as Record<string, unknown>;
  if (value.month !== undefined || typeof value.scheduledTime !== 'string') return raw;
  const at = DateTime.fromISO(value.scheduledTime, { zone: timeZone });
  if (!at.isValid) throw new MonthEndInputError(`scheduledTime: "${value.scheduledTime}" is not an ISO-8601 instant`);
  const { scheduledTime: _, ...rest } = value;
  return { ...rest, month: at.minus({ months: 1 }).toFormat('yyyy-MM') };
};

/** The accounts a run evaluates, sorted, and the run's id; reads only (a dry run uses it). */
export const planAccounts = async (
  settings: MonthEndSettings,
  raw: unknown,
): Promise<{ input: MonthEndInput; runId: string; accounts: string[] }> => {
  const input = checkMonthEndInput(withMonth(raw, settings.timeZone));
  const wanted = input.accounts ? new Set(input.accounts) : undefined;
  const accounts = new Set<string>();
  const { orders, corrupt } = await readOrders(settings.table);
  for (const order of ordersFromRecords(orders)) {
    if (wanted && !wanted.has(order.accountId)) continue;
    if (serviceMonthsOf(order, settings.timeZone).some((m) => m.month === input.month)) accounts.add(order.accountId);
  }
  // an account with an unreadable order is evaluated too: it then fails alone, and is named
  for (const c of corrupt) if (!wanted || wanted.has(c.accountId)) accounts.add(c.accountId);
  const sorted = [...accounts].sort();
  const runId =
    input.reason === 'scheduled'
      ? `scheduled-${input.month}`
      : `recalculation-${input.month}-${settings.now().toISOString().replace(/[:.]/g, '')}`;
  return { input, runId, accounts: sorted };
};

/** The run's batches, each written as an item (RUN#<runId>); the Map carries their numbers. */
export const plan = async (settings: MonthEndSettings, raw: unknown): Promise<PlanOutput> => {
  const { input, runId, accounts: sorted } = await planAccounts(settings, raw);
  const batches: BatchInput[] = [];
  for (let i = 0; i < sorted.length; i += settings.batchSize) {
    const batch = batches.length;
    await putBatch(settings.table, runId, batch, sorted.slice(i, i + settings.batchSize), settings.now());
    batches.push({
      runId,
      batch,
      month: input.month,
      reason: input.reason,
      requestedBy: input.requestedBy,
      ...(input.note ? { note: input.note } : {}),
    });
  }
  return { ...input, runId, batches, accountCount: sorted.length };
};

const instantOf = (text: string) => {
  const parsed = parseInstant(text);
  if (typeof parsed === 'string') throw new Error(`stored window has a bad instant: ${parsed}`);
  return parsed;
};

/** The exclusion windows in force, read from the registry. */
export const storedWindows = async (table: Table, minNoticeHours: number): Promise<ExclusionWindow[]> => {
  const maintenance = (await listMaintenance(table)).map((m) => ({
    ...m,
    announcedAt: instantOf(m.announcedAt),
    start: instantOf(m.start),
    end: instantOf(m.end),
  }));
  const exclusions = (await listExclusions(table)).map((e) => ({
    ...e,
    clause: e.clause as Clause,
    start: instantOf(e.start),
    end: instantOf(e.end),
  }));
  return effectiveWindows(maintenance, exclusions, minNoticeHours).windows;
};

const emptyTiers = (): { met: number; tier10: number; tier25: number; tier100: number } => ({
  met: 0,
  tier10: 0,
  tier25: 0,
  tier100: 0,
});

/**
 * What a batch reads for all its accounts at once: their orders (one Query: the batch's accounts
 * are a sorted run of ids) and the LATEST pointers of their service months in the month
 * (BatchGetItem). An account whose order record is corrupt is left out of the pointers: it fails
 * alone when evaluated.
 */
export const prefetchBatch = async (
  table: Table,
  accounts: readonly string[],
  month: string,
  timeZone: string,
): Promise<{
  orders: Map<string, OrderRecord[] | CorruptOrder>;
  latest: Map<string, LatestPointer | undefined>;
}> => {
  // the range of ids the batch spans (plan writes them sorted; any order is read right)
  const sorted = [...accounts].sort();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return { orders: new Map(), latest: new Map() };
  const wanted = new Set(accounts);
  const orders = await readOrdersOfRange(table, first, last);
  for (const accountId of orders.keys()) if (!wanted.has(accountId)) orders.delete(accountId);
  const keys: { accountId: string; orderId: string; month: string }[] = [];
  for (const [accountId, records] of orders) {
    if (!Array.isArray(records)) continue;
    for (const order of ordersFromRecords(records)) {
      for (const m of serviceMonthsOf(order, timeZone)) {
        if (m.month === month) keys.push({ accountId, orderId: order.orderId, month });
      }
    }
  }
  return { orders, latest: await getLatestMany(table, keys) };
};

export const evaluateBatch = async (settings: MonthEndSettings, batch: BatchInput): Promise<BatchOutput> => {
  const { accounts } = await getBatch(settings.table, batch.runId, batch.batch);
  const windows = await storedWindows(settings.table, settings.maintenanceMinNoticeHours);
  const { orders, latest } = await prefetchBatch(settings.table, accounts, batch.month, settings.timeZone);
  const calendar = settings.calendar ?? new BusinessCalendar();
  const tiers = emptyTiers();
  let evaluated = 0;
  let newVersions = 0;
  let voucherFen = 0;
  const coverageGaps: string[] = [];
  const failed: { accountId: string; error: string }[] = [];
  for (const accountId of accounts) {
    try {
      const records = ordersOfAccount(orders, accountId);
      const result = await evaluateAccountMonth(
        accountId,
        {
          table: settings.table,
          month: batch.month,
          timeZone: settings.timeZone,
          windows,
          calendar,
          reason: batch.reason,
          requestedBy: batch.requestedBy,
          note: batch.note,
          runId: batch.runId,
          now: settings.now,
        },
        { records, latest },
      );
      for (const [i, { report, voucherFen: voucher }] of result.evaluated.entries()) {
        evaluated++;
        voucherFen += voucher;
        if (result.outcomes[i]?.kind === 'new-version') newVersions++;
        const tier = report.compensationPercent;
        if (tier === 0) tiers.met++;
        else if (tier === 10) tiers.tier10++;
        else if (tier === 25) tiers.tier25++;
        else tiers.tier100++;
        if (100 * report.observedMinutes < settings.coverageMinPercent * report.totalMinutes) {
          coverageGaps.push(`${report.accountId}/${report.orderId}/${report.month}`);
        }
      }
    } catch (e) {
      failed.push({ accountId, error: e instanceof Error ? e.message : String(e) });
    }
  }
  // every name in the batch record; the first few in the state
  await putBatchOutcome(settings.table, batch.runId, batch.batch, {
    evaluated,
    newVersions,
    failed,
    coverageGaps,
    finishedAt: settings.now().toISOString(),
  });
  return {
    evaluated,
    newVersions,
    tiers,
    voucherFen,
    coverageGapCount: coverageGaps.length,
    coverageGaps: coverageGaps.slice(0, LISTED_PER_BATCH),
    failedCount: failed.length,
    failed: failed.slice(0, LISTED_PER_BATCH),
  };
};

/** Adds up the batches; `opensAt` is when the month's claim windows open (R9), 00:00 local. */
export const summarise = (
  settings: Pick<MonthEndSettings, 'timeZone' | 'calendar'>,
  input: { month: string; runId: string; batches: readonly BatchOutput[] },
): SummaryOutput => {
  const tiers: TierCounts = input.batches.reduce(
    (t, b) => ({
      met: t.met + b.tiers.met,
      tier10: t.tier10 + b.tiers.tier10,
      tier25: t.tier25 + b.tiers.tier25,
      tier100: t.tier100 + b.tiers.tier100,
    }),
    emptyTiers(),
  );
  const lastDay = DateTime.fromISO(`${input.month}-01`, { zone: settings.timeZone }).endOf('month').toISODate() ?? '';
  const { opensOn } = claimWindowFor(lastDay, settings.calendar ?? new BusinessCalendar());
  const opensAt = DateTime.fromISO(opensOn, { zone: settings.timeZone }).startOf('day').toUTC().toISO() ?? '';
  return {
    month: input.month,
    runId: input.runId,
    evaluated: input.batches.reduce((n, b) => n + b.evaluated, 0),
    newVersions: input.batches.reduce((n, b) => n + b.newVersions, 0),
    tiers,
    voucherTotal: formatMoney(input.batches.reduce((n, b) => n + b.voucherFen, 0)),
    coverageGapCount: input.batches.reduce((n, b) => n + b.coverageGapCount, 0),
    coverageGaps: input.batches.flatMap((b) => b.coverageGaps).slice(0, LISTED_IN_SUMMARY),
    failedCount: input.batches.reduce((n, b) => n + b.failedCount, 0),
    failed: input.batches.flatMap((b) => b.failed).slice(0, LISTED_IN_SUMMARY),
    opensAt,
  };
};
