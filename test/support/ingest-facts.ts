// Reading back what ingestion stored, and what it should have stored, for the integration tests.
import { loadMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import { listOrders, type OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { periodTable } from '#domain/account-periods.ts';
import { countMinutes, type MinuteCounts } from '#domain/evaluate.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { validateProbe } from '#domain/probe.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { ordersFromRecords } from '#ingest/ingest-probes.ts';

export const ZONE = 'Asia/Shanghai';

/** Epoch minute of an ISO instant. */
export const minuteAt = (iso: string): number => Math.floor(Date.parse(iso) / 60_000);
/** ISO instant of an epoch minute. */
export const isoOf = (minute: number): string => new Date(minute * 60_000).toISOString();

/** Every observed account-minute of the stored facts inside the service periods, sorted. */
export type FactList = [accountId: string, minute: number, state: number][];

const listFacts = (facts: MinuteFacts, periods: ReadonlyMap<string, Float64Array>): FactList => {
  const out: FactList = [];
  for (const [accountId, pairs] of [...periods].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (let i = 0; i < pairs.length; i += 2) {
      facts.forEachObserved(accountId, pairs[i] ?? 0, pairs[i + 1] ?? 0, (minute, state) => {
        out.push([accountId, minute, state]);
      });
    }
  }
  return out;
};

export const storedFacts = async (table: Table): Promise<MinuteFacts> => {
  const periods = periodTable(ordersFromRecords(await listOrders(table)), ZONE);
  return loadMinuteFacts(table, periods, new MinuteFacts());
};

export const storedFactList = async (table: Table): Promise<FactList> => {
  const periods = periodTable(ordersFromRecords(await listOrders(table)), ZONE);
  return listFacts(await loadMinuteFacts(table, periods, new MinuteFacts()), periods);
};

/**
 * What the facts must be, folded straight from the NDJSON lines with the domain's own validator
 * (no scanner, no store): valid results inside a service period, OR-ed per account-minute.
 */
export const referenceFacts = (orders: readonly OrderRecord[], lines: readonly string[]): MinuteFacts => {
  const periods = periodTable(ordersFromRecords(orders), ZONE);
  const facts = new MinuteFacts();
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const fact = validateProbe(value);
    if (Array.isArray(fact)) continue;
    const pairs = periods.get(fact.accountId);
    if (!pairs) continue;
    for (let i = 0; i < pairs.length; i += 2) {
      if (fact.minute >= (pairs[i] ?? 0) && fact.minute < (pairs[i + 1] ?? 0))
        facts.record(fact.accountId, fact.minute, fact.bits);
    }
  }
  return facts;
};

export const referenceFactList = (orders: readonly OrderRecord[], lines: readonly string[]): FactList =>
  listFacts(referenceFacts(orders, lines), periodTable(ordersFromRecords(orders), ZONE));

/** The minute counts (R4) of every service month of the orders, from the given facts. */
export const monthCounts = (
  orders: readonly OrderRecord[],
  facts: MinuteFacts,
): { accountId: string; month: string; counts: MinuteCounts }[] =>
  ordersFromRecords(orders).flatMap((order) =>
    serviceMonthsOf(order, ZONE).map((month) => ({
      accountId: month.accountId,
      month: month.month,
      counts: countMinutes(month, facts, []),
    })),
  );
