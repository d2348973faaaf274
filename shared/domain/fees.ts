// Money, fees and vouchers (SPEC R7, R8). Money is integer fen inside; decimals only at the edges.

const MONEY = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** Parses a decimal amount with at most 2 places into fen; returns the problem as a string. */
export const parseMoney = (text: unknown): number | string => {
  if (typeof text !== 'string') return 'must be a decimal string such as "300.00"';
  const m = MONEY.exec(text);
  if (!m) {
    if (/^\d+\.\d{3,}$/.test(text)) return `"${text}" has more than 2 decimal places`;
    return `"${text.slice(0, 40)}" is not an amount (digits, at most 12 before and 2 after the point)`;
  }
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
};

/** Formats fen as a decimal string with exactly 2 places. */
export const formatMoney = (fen: number): string => {
  const whole = Math.floor(fen / 100);
  const cents = fen - whole * 100;
  return `${whole}.${cents < 10 ? '0' : ''}${cents}`;
};

/**
 * Spreads `total` fen over parts in proportion to `weights` by the largest-remainder method:
 * every part gets floor(total·w/W), and the fen left over go one each to the largest
 * remainders, ties to the earlier part. The parts always add up to `total` exactly.
 */
export const allocateByLargestRemainder = (total: number, weights: readonly number[]): number[] => {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) throw new RangeError('weights must add up to more than 0');
  const big = BigInt(total);
  const bigSum = BigInt(sum);
  const parts = weights.map((w) => Number((big * BigInt(w)) / bigSum));
  const remainders = weights.map((w, i) => ({ i, r: (big * BigInt(w)) % bigSum }));
  let left = total - parts.reduce((a, b) => a + b, 0);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
};

/** voucher = round half up (fee × percent / 100), never more than the fee. */
export const voucherFor = (feeFen: number, compensationPercent: number): number =>
  Math.min(feeFen, Number((BigInt(feeFen) * BigInt(compensationPercent) + 50n) / 100n));
