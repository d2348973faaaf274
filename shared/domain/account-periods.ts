// Which account-minutes fall inside a service period (SPEC R4: results outside every service
// period of their account, or for an unknown account, are ignored and counted).

import { type Order, servicePeriod } from './service-months.ts';

/** Flat [start, end) epoch-minute pairs per account, for the hot path of probe scanning. */
export type PeriodTable = ReadonlyMap<string, Float64Array>;

export const periodTable = (orders: readonly Order[], zone: string): Map<string, Float64Array> => {
  const lists = new Map<string, number[]>();
  for (const order of orders) {
    const { startMinute, endMinute } = servicePeriod(order, zone);
    const list = lists.get(order.accountId) ?? [];
    list.push(startMinute, endMinute);
    lists.set(order.accountId, list);
  }
  return new Map([...lists].map(([account, list]) => [account, Float64Array.from(list)]));
};

/** True when `minute` lies in one of the [start, end) pairs. */
export const inPeriods = (periods: Float64Array, minute: number): boolean => {
  for (let i = 0; i < periods.length; i += 2) {
    if (minute >= (periods[i] ?? 0) && minute < (periods[i + 1] ?? 0)) return true;
  }
  return false;
};

/** True when one of the [start, end) pairs overlaps the span [from, to): in service at some minute of it. */
export const overlapsPeriods = (periods: Float64Array, from: number, to: number): boolean => {
  for (let i = 0; i < periods.length; i += 2) {
    if ((periods[i] ?? 0) < to && (periods[i + 1] ?? 0) > from) return true;
  }
  return false;
};
