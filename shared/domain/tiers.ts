// Availability and compensation tier (SPEC R6): decided by exact integer comparisons.

export type CompensationPercent = 0 | 10 | 25 | 100;

/** U = unavailable minutes, T = total minutes. */
export const compensationPercent = (unavailable: number, total: number): CompensationPercent => {
  if (1000 * unavailable <= total) return 0;
  if (100 * unavailable <= total) return 10;
  if (20 * unavailable <= total) return 25;
  return 100;
};

/** 100·(T−U)/T truncated (not rounded) to 6 decimals, so a miss never prints as 99.900000. */
export const availabilityPercent = (unavailable: number, total: number): string => {
  const scaled = (BigInt(total - unavailable) * 100_000_000n) / BigInt(total);
  const whole = scaled / 1_000_000n;
  const fraction = (scaled % 1_000_000n).toString().padStart(6, '0');
  return `${whole}.${fraction}`;
};
