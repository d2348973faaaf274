// Evaluating one account's service months of a calendar month from the store — the step the
// month-end workflow runs for every account, with the rules engine `sla evaluate` runs.
//
// Primary course:
//   1. read the account's orders, and its minute facts for the month (one Query per order);
//   2. evaluate every service month of the month with the engine (fees spread over the order);
//   3. fingerprint the inputs, and record a new version only when they changed.

import { createHash } from 'node:crypto';
import { readMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import { canonicalJson, listAccountOrders, type OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import {
  getLatest,
  type LatestPointer,
  latestKey,
  type RecordOutcome,
  recordResult,
} from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import type { BusinessCalendar } from '#domain/business-calendar.ts';
import { type EvaluatedMonth, evaluateOrder } from '#domain/evaluate.ts';
import type { ExclusionWindow } from '#domain/exclusions.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { type ServiceMonth, serviceMonthsOf } from '#domain/service-months.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';
import type { EvaluationReason } from './contracts.ts';

/** Bump when any rule of the engine changes: a stored result names the engine that made it. */
export const ENGINE_VERSION = '2026.11.1';

export interface MonthContext {
  readonly table: Table;
  readonly month: string;
  readonly timeZone: string;
  readonly windows: readonly ExclusionWindow[];
  readonly calendar: BusinessCalendar;
  readonly reason: EvaluationReason;
  readonly requestedBy: string;
  readonly note?: string | undefined;
  readonly runId: string;
  readonly now: () => Date;
  /** evaluate and compare with the latest version, write nothing */
  readonly dryRun?: boolean;
}

/** What a batch read for all its accounts at once (else each account reads its own). */
export interface Prefetched {
  readonly records: readonly OrderRecord[];
  /** latestKey(account, order, month) → the LATEST pointer, for every service month of the month */
  readonly latest: ReadonlyMap<string, LatestPointer | undefined>;
}

export interface AccountMonthResult {
  readonly evaluated: readonly EvaluatedMonth[];
  readonly outcomes: readonly RecordOutcome[];
}

/** SHA-256 of everything a service month's result depends on. */
const fingerprint = (
  order: OrderRecord,
  month: ServiceMonth,
  result: EvaluatedMonth,
  facts: MinuteFacts,
  windows: readonly ExclusionWindow[],
  zone: string,
): string => {
  const hash = createHash('sha256');
  const { report } = result;
  hash.update(canonicalJson({ engine: ENGINE_VERSION, zone, order, claimWindow: report.claimWindow }));
  const from = month.startMinute;
  const to = month.endMinute;
  for (const w of windows) {
    if (w.endMinute <= from || w.startMinute >= to) continue;
    if (w.accountIds && !w.accountIds.has(report.accountId)) continue;
    hash.update(`|w:${w.source}:${w.clause}:${w.startMinute}:${w.endMinute}`);
  }
  // the states of every observed day as bytes (a day with no result has no page and adds nothing)
  facts.forEachStretch(report.accountId, from, to, (first, states) => {
    hash.update(`|${first}:`);
    hash.update(new Uint8Array(states.buffer, states.byteOffset, states.byteLength));
  });
  return hash.digest('hex');
};

export const evaluateAccountMonth = async (
  accountId: string,
  context: MonthContext,
  prefetched?: Prefetched,
): Promise<AccountMonthResult> => {
  const { table, month, timeZone } = context;
  const records = prefetched ? [...prefetched.records] : await listAccountOrders(table, accountId);
  const latestOf = async (orderId: string): Promise<{ previous: LatestPointer | undefined }> => {
    const key = latestKey(accountId, orderId, month);
    if (prefetched?.latest.has(key)) return { previous: prefetched.latest.get(key) };
    return { previous: await getLatest(table, accountId, month, orderId) };
  };
  const orders = ordersFromRecords(records);
  const facts = new MinuteFacts();
  const inMonth = orders.flatMap((order) => serviceMonthsOf(order, timeZone).filter((m) => m.month === month));
  for (const m of inMonth) await readMinuteFacts(table, accountId, m.startMinute, m.endMinute, facts);

  const evaluated: EvaluatedMonth[] = [];
  const outcomes: RecordOutcome[] = [];
  for (const [i, order] of orders.entries()) {
    const record = records[i] as OrderRecord;
    const months = inMonth.filter((m) => m.orderId === order.orderId);
    for (const [k, result] of evaluateOrder(
      order,
      timeZone,
      facts,
      context.windows,
      context.calendar,
      (m) => m.month === month,
    ).entries()) {
      const serviceMonth = months[k] as ServiceMonth;
      evaluated.push(result);
      const print = fingerprint(record, serviceMonth, result, facts, context.windows, timeZone);
      const { previous } = await latestOf(order.orderId);
      if (context.dryRun) {
        outcomes.push(
          previous?.fingerprint === print
            ? { kind: 'unchanged', latest: previous }
            : { kind: 'would-add', previous, fingerprint: print },
        );
        continue;
      }
      outcomes.push(
        await recordResult(
          table,
          {
            fingerprint: print,
            engineVersion: ENGINE_VERSION,
            reason: context.reason,
            requestedBy: context.requestedBy,
            note: context.note,
            runId: context.runId,
            evaluatedAt: context.now().toISOString(),
            report: result.report,
          },
          { previous },
        ),
      );
    }
  }
  return { evaluated, outcomes };
};
