// Building the month report's model, from the store or from an offline report.
//
// From the store (buildMonthReportModel), primary course:
//   1. read every order (one paged Query on the registry partition) and list the month's service months;
//   2. read their LATEST pointers, then the versions they point to (BatchGetItem, 100 keys a request);
//   3. per account, a few at a time: its notices of the month (one paged Query), its minute facts
//      for each service month (as the month-end reads them), its claims when a reader is given;
//      the facts become the account's strip and are dropped, so memory stays bounded;
//   4. assemble rows, strips, tiers, coverage and totals (model.ts).
//
// From an offline report (buildMonthReportModelFromReport): the service months of a `sla evaluate`
// report (report.schema.json) and the minute facts it was made from, already in memory.

import { resultPk, resultVersionSk } from '#adapters/dynamodb/keys.ts';
import { readMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import { listNotices, type StoredNotice } from '#adapters/dynamodb/notice-repository.ts';
import { readOrders } from '#adapters/dynamodb/registry-repository.ts';
import { getLatestMany, latestKey, type StoredResult } from '#adapters/dynamodb/result-repository.ts';
import { batchGetAll, type Table } from '#adapters/dynamodb/table.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import type { ExclusionWindow } from '#domain/exclusions.ts';
import { parseMoney } from '#domain/fees.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { storedWindows } from '#month-end/month-end-steps.ts';
import {
  type AccountStrip,
  accountStrip,
  assembleMonthReport,
  type ClaimSummary,
  daysBounds,
  type MonthReportModel,
  monthBounds,
  type NoticeState,
  type NoticeSummary,
  type ServiceMonthRow,
  stripsOf,
} from './model.ts';

/** One judged claim of a service month, as a claims reader gives it. */
export interface JudgedClaim {
  readonly orderId: string;
  readonly accepted: boolean;
  readonly reason?: string | undefined;
}

export interface TableReportSource {
  readonly table: Table;
  /** calendar month `YYYY-MM` */
  readonly month: string;
  readonly timeZone: string;
  /** the exclusion windows in force; read from the registry when absent */
  readonly windows?: readonly ExclusionWindow[];
  /** for reading the windows from the registry (default 0) */
  readonly maintenanceMinNoticeHours?: number;
  /** the claims of an account's month; absent: the report has no claims column */
  readonly claimsOf?: (accountId: string, month: string) => Promise<readonly JudgedClaim[]>;
  /** coverage below this share of the service minutes is flagged (default 90) */
  readonly coverageMinPercent?: number;
  /** accounts read at once (default 8) */
  readonly concurrency?: number;
  readonly now?: () => Date;
}

const fenOf = (money: string): number => {
  const fen = parseMoney(money);
  if (typeof fen !== 'number') throw new Error(`stored amount ${money}: ${fen}`);
  return fen;
};

const noticeState = (notice: StoredNotice | undefined): NoticeState => notice?.status ?? 'none';

/** What an account's notices of a month say about one of its service months. */
export const noticeSummary = (notices: readonly StoredNotice[], orderId: string): NoticeSummary => {
  const own = notices.filter((n) => n.orderId === orderId);
  return {
    windowOpen: noticeState(own.find((n) => n.kind === 'window-open')),
    reminder: noticeState(own.find((n) => n.kind === 'reminder')),
    corrections: own
      .filter((n) => n.kind === 'correction')
      .sort((a, b) => a.version - b.version)
      .map((n) => ({ version: n.version, status: n.status })),
  };
};

export const claimSummary = (claims: readonly { accepted: boolean; reason?: string | undefined }[]): ClaimSummary => ({
  accepted: claims.filter((c) => c.accepted).length,
  rejected: claims.filter((c) => !c.accepted).map((c) => ({ reason: c.reason ?? 'unknown' })),
});

/** A table row from a service month's report (the engine's output, stored or offline). */
export const rowOf = (
  report: ServiceMonthReport,
  extra: Pick<ServiceMonthRow, 'version' | 'evaluatedAt' | 'notices' | 'claims'> = {},
): ServiceMonthRow => ({
  accountId: report.accountId,
  orderId: report.orderId,
  firstDay: report.firstDay,
  lastDay: report.lastDay,
  days: report.days,
  totalMinutes: report.totalMinutes,
  unavailableMinutes: report.unavailableMinutes,
  observedMinutes: report.observedMinutes,
  excludedMinutes: report.excludedMinutes,
  availabilityPercent: report.availabilityPercent,
  compensationPercent: report.compensationPercent,
  feeFen: fenOf(report.fee),
  voucherFen: fenOf(report.voucher),
  claimWindow: report.claimWindow,
  ...extra,
});

/** Runs `work` on every item, at most `limit` at a time; results in item order. */
const mapLimited = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
};

/** The month report's model from the store: the latest result of every service month of `month`. */
export const buildMonthReportModel = async (source: TableReportSource): Promise<MonthReportModel> => {
  const { table, month, timeZone } = source;
  const warnings: string[] = [];
  const { startMinute, endMinute } = monthBounds(month, timeZone);

  // 1. the month's service months, from every order
  const { orders, corrupt } = await readOrders(table);
  for (const c of corrupt) warnings.push(`order ${c.accountId}/${c.orderId} cannot be read: ${c.problem}`);
  const keys: { accountId: string; orderId: string; month: string }[] = [];
  for (const record of orders) {
    const cash = parseMoney(record.cashPaid);
    const order = { ...record, cashPaidFen: typeof cash === 'number' ? cash : 0 };
    for (const m of serviceMonthsOf(order, timeZone)) {
      if (m.month === month) keys.push({ accountId: m.accountId, orderId: m.orderId, month });
    }
  }

  // 2. their latest results: the pointers, then the versions they name
  const pointers = await getLatestMany(table, keys);
  const wanted = keys.flatMap((k) => {
    const pointer = pointers.get(latestKey(k.accountId, k.orderId, k.month));
    if (pointer === undefined) {
      warnings.push(`${k.accountId}/${k.orderId}/${month} has no result yet (not evaluated)`);
      return [];
    }
    return [{ pk: { S: resultPk(k.accountId) }, sk: { S: resultVersionSk(month, k.orderId, pointer.version) } }];
  });
  const results: StoredResult[] = [];
  await batchGetAll(table, wanted, true, (item) => results.push(JSON.parse(item.doc?.S ?? '{}') as StoredResult));
  const byAccount = new Map<string, StoredResult[]>();
  for (const r of results) byAccount.set(r.report.accountId, [...(byAccount.get(r.report.accountId) ?? []), r]);

  const windows = source.windows ?? (await storedWindows(table, source.maintenanceMinNoticeHours ?? 0));

  // 3. per account: notices, minute facts → strip, claims
  const accounts = [...byAccount.keys()].sort();
  const perAccount = await mapLimited(accounts, source.concurrency ?? 8, async (accountId) => {
    const stored = byAccount.get(accountId) ?? [];
    const notices = await listNotices(table, accountId, month);
    const facts = new MinuteFacts();
    const periods = stored.map((r) => daysBounds(r.report.firstDay, r.report.lastDay, timeZone));
    for (const p of periods) {
      const from = Math.max(p.startMinute, startMinute);
      const to = Math.min(p.endMinute, endMinute);
      await readMinuteFacts(table, accountId, from, to, facts);
    }
    const strip: AccountStrip = accountStrip(accountId, startMinute, endMinute, periods, facts, windows);
    const claims = source.claimsOf ? await source.claimsOf(accountId, month) : undefined;
    const rows = stored.map((r) =>
      rowOf(r.report, {
        version: r.version,
        evaluatedAt: r.evaluatedAt,
        notices: noticeSummary(notices, r.report.orderId),
        ...(claims ? { claims: claimSummary(claims.filter((c) => c.orderId === r.report.orderId)) } : {}),
      }),
    );
    return { accountId, rows, strip };
  });

  // 4. the model
  return assembleMonthReport({
    month,
    timeZone,
    generatedAt: (source.now?.() ?? new Date()).toISOString(),
    rows: perAccount.flatMap((a) => a.rows),
    strips: new Map(perAccount.map((a) => [a.accountId, a.strip])),
    warnings,
    ...(source.coverageMinPercent === undefined ? {} : { coverageMinPercent: source.coverageMinPercent }),
  });
};

/** What buildMonthReportModelFromReport reads of a `sla evaluate` report (report.schema.json). */
export interface OfflineReport {
  readonly serviceMonths: readonly ServiceMonthReport[];
  /** judged claims, each with the claim's own fields (accountId, orderId, month) */
  readonly claims?: readonly Readonly<Record<string, unknown>>[];
  readonly warnings?: readonly string[];
}

/**
 * The model of one month of an offline report, with the minute facts it was evaluated from and
 * the same exclusion windows. Notices are unknown offline unless given.
 */
export const buildMonthReportModelFromReport = (
  report: OfflineReport,
  facts: MinuteFacts,
  options: {
    readonly month: string;
    readonly timeZone: string;
    readonly windows: readonly ExclusionWindow[];
    readonly generatedAt?: string;
    readonly notices?: readonly StoredNotice[];
    readonly coverageMinPercent?: number;
  },
): MonthReportModel => {
  const { month, timeZone } = options;
  const claimsByKey = new Map<string, { accepted: boolean; reason?: string }[]>();
  for (const claim of report.claims ?? []) {
    if (typeof claim.accepted !== 'boolean' || claim.month !== month) continue;
    const key = `${String(claim.accountId)}/${String(claim.orderId)}`;
    const reason = typeof claim.reason === 'string' ? claim.reason : undefined;
    claimsByKey.set(key, [
      ...(claimsByKey.get(key) ?? []),
      { accepted: claim.accepted, ...(reason ? { reason } : {}) },
    ]);
  }
  const rows = report.serviceMonths
    .filter((m) => m.month === month)
    .map((m) => {
      // a report with claims judged them all: a service month none names had none
      const claims = report.claims ? (claimsByKey.get(`${m.accountId}/${m.orderId}`) ?? []) : undefined;
      const notices = options.notices?.filter((n) => n.accountId === m.accountId && n.month === month);
      return rowOf(m, {
        ...(claims ? { claims: claimSummary(claims) } : {}),
        ...(notices ? { notices: noticeSummary(notices, m.orderId) } : {}),
      });
    });
  return assembleMonthReport({
    month,
    timeZone,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    rows,
    strips: stripsOf(rows, month, timeZone, facts, options.windows),
    warnings: report.warnings ?? [],
    ...(options.coverageMinPercent === undefined ? {} : { coverageMinPercent: options.coverageMinPercent }),
  });
};
