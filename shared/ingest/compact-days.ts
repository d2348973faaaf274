// The daily compaction: every account's HOUR# items of each sealed UTC day folded into one DAY#
// item, so that the month-end reads ~31 small items per account-month instead of 744.
//
// Primary course:
//   1. from the compaction watermark (the last day done), take the days that may be compacted
//      now (COMPACT_AFTER_MINUTES after their end), at most maxDays per run (catch-up);
//   2. per day, every account with a service period that overlaps it: compactDay;
//   3. advance the watermark by a conditional write (a racing run stops; both wrote the same).
// No watermark yet (first run): only the last compactable day. Days never compacted stay
// readable as HOUR# items: compaction is an optimisation of reads, never a condition of truth.

import { COMPACTION_SOURCE } from '#adapters/dynamodb/keys.ts';
import { compactDay, lastCompactableDay } from '#adapters/dynamodb/minute-fact-repository.ts';
import { advanceWatermark, readOrders, readWatermark } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { periodTable } from '#domain/account-periods.ts';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import { expiryOfHour, ordersFromRecords, runBounded } from './ingest-probes.ts';

export interface CompactionOptions {
  readonly table: Table;
  readonly timeZone: string;
  readonly retentionDaysAfterClaimClose: number;
  readonly now: () => Date;
  /** days compacted by one run at most (catch-up after missed runs) */
  readonly maxDaysPerRun: number;
  /** parallel account compactions */
  readonly concurrency?: number;
}

export interface CompactedDay {
  /** the UTC day, YYYY-MM-DD */
  readonly day: string;
  readonly accounts: number;
  readonly hourItems: number;
}

export interface CompactionRun {
  readonly days: readonly CompactedDay[];
  /** the last day compacted, YYYY-MM-DD, if any */
  readonly watermark: string | undefined;
  readonly stoppedBecause: 'caught-up' | 'max-days' | 'concurrent-run';
}

const isoDay = (epochDay: number): string => new Date(epochDay * 86_400_000).toISOString().slice(0, 10);

export const compactDays = async (options: CompactionOptions): Promise<CompactionRun> => {
  const { table } = options;
  const last = lastCompactableDay(options.now().getTime());
  let watermark = await readWatermark(table, COMPACTION_SOURCE);
  const first = watermark === undefined ? last : watermark + 1;
  const { orders: records } = await readOrders(table);
  const periods = periodTable(ordersFromRecords(records), options.timeZone);
  const days: CompactedDay[] = [];
  for (let day = first; day <= last; day++) {
    if (days.length >= options.maxDaysPerRun) {
      return { days, watermark: watermark === undefined ? undefined : isoDay(watermark), stoppedBecause: 'max-days' };
    }
    const from = day * MINUTES_PER_DAY;
    const to = from + MINUTES_PER_DAY;
    const accounts = [...periods]
      .filter(([, pairs]) => {
        for (let i = 0; i < pairs.length; i += 2) if ((pairs[i] ?? 0) < to && (pairs[i + 1] ?? 0) > from) return true;
        return false;
      })
      .map(([accountId]) => accountId);
    const expiresAt = expiryOfHour(day * 24 + 23, options.timeZone, options.retentionDaysAfterClaimClose);
    let hourItems = 0;
    await runBounded(
      accounts.map((accountId) => async () => {
        // not `hourItems += (await …)`: that reads hourItems before the await, and the tasks
        // run concurrently, so each would overwrite the others' counts
        const compacted = await compactDay(table, accountId, day, expiresAt);
        hourItems += compacted.hourItems;
      }),
      options.concurrency ?? 16,
    );
    days.push({ day: isoDay(day), accounts: accounts.length, hourItems });
    if (!(await advanceWatermark(table, COMPACTION_SOURCE, watermark, day))) {
      return { days, watermark: isoDay(day), stoppedBecause: 'concurrent-run' };
    }
    watermark = day;
  }
  return { days, watermark: watermark === undefined ? undefined : isoDay(watermark), stoppedBecause: 'caught-up' };
};
