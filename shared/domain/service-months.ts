// Orders and their service months (SPEC R2, R3).
//
// The service period runs from `startDate` 00:00 to `startDate + months` 00:00 (exclusive) in the
// policy zone; adding months clamps to the end of the month (Luxon's `plus({ months })`). Its
// service months are the calendar months it intersects, each evaluated on its own.

import { DateTime } from 'luxon';
import { MINUTES_PER_DAY, MS_PER_MINUTE } from './instant.ts';

export interface Order {
  readonly accountId: string;
  readonly orderId: string;
  /** activation day, local `YYYY-MM-DD` */
  readonly startDate: string;
  readonly months: number;
  /** cash paid in fen (minor units) */
  readonly cashPaidFen: number;
}

export interface ServicePeriod {
  /** first epoch minute of the period (local midnight of startDate) */
  readonly startMinute: number;
  /** first epoch minute after the period */
  readonly endMinute: number;
  /** last local day of service, inclusive */
  readonly lastDay: string;
}

export interface ServiceMonth {
  readonly accountId: string;
  readonly orderId: string;
  /** calendar month `YYYY-MM` */
  readonly month: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly days: number;
  /** days × 1440 (R3) */
  readonly totalMinutes: number;
  /** epoch minutes [startMinute, endMinute) of the month's local days */
  readonly startMinute: number;
  readonly endMinute: number;
}

const localMidnight = (date: string, zone: string): DateTime => DateTime.fromISO(date, { zone }).startOf('day');
const epochMinute = (dt: DateTime): number => Math.floor(dt.toMillis() / MS_PER_MINUTE);
const isoDate = (dt: DateTime): string => dt.toISODate() ?? '';

export const servicePeriod = (order: Pick<Order, 'startDate' | 'months'>, zone: string): ServicePeriod => {
  const start = localMidnight(order.startDate, zone);
  const end = start.plus({ months: order.months });
  return { startMinute: epochMinute(start), endMinute: epochMinute(end), lastDay: isoDate(end.minus({ days: 1 })) };
};

type MonthShape = Omit<ServiceMonth, 'accountId' | 'orderId'>;

/**
 * Service months depend only on (zone, startDate, months), and many orders share them; time-zone
 * arithmetic is slow (~50 µs a step), so their shapes are kept. Bounded: cleared when full.
 */
const shapes = new Map<string, readonly MonthShape[]>();
const SHAPES_KEPT = 50_000;

/** The service months of an order, in calendar order. */
export const serviceMonthsOf = (order: Order, zone: string): ServiceMonth[] => {
  const key = `${zone}|${order.startDate}|${order.months}`;
  let shape = shapes.get(key);
  if (shape === undefined) {
    if (shapes.size >= SHAPES_KEPT) shapes.clear();
    shape = monthShapes(order, zone);
    shapes.set(key, shape);
  }
  return shape.map((m) => ({ accountId: order.accountId, orderId: order.orderId, ...m }));
};

const monthShapes = (order: Pick<Order, 'startDate' | 'months'>, zone: string): MonthShape[] => {
  const periodStart = localMidnight(order.startDate, zone);
  const periodEnd = periodStart.plus({ months: order.months });
  const months: MonthShape[] = [];
  let first = periodStart;
  while (first < periodEnd) {
    const nextMonth = first.startOf('month').plus({ months: 1 });
    const end = nextMonth < periodEnd ? nextMonth : periodEnd;
    const days = Math.round(end.startOf('day').diff(first, 'days').days);
    months.push({
      month: first.toFormat('yyyy-MM'),
      firstDay: isoDate(first),
      lastDay: isoDate(end.minus({ days: 1 })),
      days,
      totalMinutes: days * MINUTES_PER_DAY,
      startMinute: epochMinute(first),
      endMinute: epochMinute(end),
    });
    first = end;
  }
  return months;
};
