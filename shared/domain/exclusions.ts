// Exclusion windows (SPEC R5): announced maintenance (§4.1) and operator exclusions (§4.2–§4.9).
//
// A window covers [start, end); a minute is covered when the window overlaps any part of it.
// Maintenance excludes only when announced in advance: strictly before start, and at least
// `maintenanceMinNoticeHours` before it. A late announcement excludes nothing (and is reported).

import { ceilMinute, type Instant, minuteOf } from './instant.ts';
import { type Clause, clauseCode } from './probe.ts';

export interface Maintenance {
  readonly id: string;
  readonly announcedAt: Instant;
  readonly start: Instant;
  readonly end: Instant;
  readonly accountIds?: readonly string[] | undefined;
}

export interface OperatorExclusion {
  readonly id: string;
  readonly clause: Clause;
  readonly start: Instant;
  readonly end: Instant;
  readonly reason: string;
  readonly accountIds?: readonly string[] | undefined;
}

export interface ExclusionWindow {
  /** audit source: `maintenance:<id>` or `exclusion:<id>` */
  readonly source: string;
  /** clause code 1..9 (§4.1 … §4.9) */
  readonly clause: number;
  /** epoch minutes [startMinute, endMinute) the window touches */
  readonly startMinute: number;
  readonly endMinute: number;
  /** undefined: every account */
  readonly accountIds: ReadonlySet<string> | undefined;
}

const NANOS_PER_HOUR = 3_600_000_000_000n;
const toNanos = (i: Instant): bigint => BigInt(i.epochMs) * 1_000_000n + BigInt(i.subMsNanos);

/** True when the maintenance was announced early enough to exclude anything. */
export const announcedInAdvance = (m: Maintenance, minNoticeHours: number): boolean => {
  const notice = toNanos(m.start) - toNanos(m.announcedAt);
  // to the microsecond: 1.1 h is 3 960 000 000 µs, though 1.1 × 3 600 000 ms is not exact in binary
  const required = BigInt(Math.round(minNoticeHours * 3_600_000_000)) * 1_000n;
  return notice > 0n && notice >= required;
};

const describeNotice = (m: Maintenance): string => {
  const notice = toNanos(m.start) - toNanos(m.announcedAt);
  if (notice <= 0n) return 'announced at or after its start';
  const hours = Number((notice * 100n) / NANOS_PER_HOUR) / 100;
  return `announced only ${hours} h before its start`;
};

export const windowOf = (
  source: string,
  clause: number,
  w: { start: Instant; end: Instant; accountIds?: readonly string[] | undefined },
): ExclusionWindow => ({
  source,
  clause,
  startMinute: minuteOf(w.start),
  endMinute: ceilMinute(w.end),
  accountIds: w.accountIds ? new Set(w.accountIds) : undefined,
});

/** The windows that exclude, and a warning for each maintenance announced too late to. */
export const effectiveWindows = (
  maintenance: readonly Maintenance[],
  exclusions: readonly OperatorExclusion[],
  minNoticeHours: number,
): { windows: ExclusionWindow[]; warnings: string[] } => {
  const windows: ExclusionWindow[] = [];
  const warnings: string[] = [];
  for (const m of maintenance) {
    if (announcedInAdvance(m, minNoticeHours)) windows.push(windowOf(`maintenance:${m.id}`, 1, m));
    else {
      warnings.push(
        `maintenance ${m.id} excludes nothing: ${describeNotice(m)} (required: in advance${minNoticeHours > 0 ? `, at least ${minNoticeHours} h` : ''}, §4.1)`,
      );
    }
  }
  for (const e of exclusions) windows.push(windowOf(`exclusion:${e.id}`, clauseCode(e.clause), e));
  return { windows, warnings };
};

export interface Coverage {
  /** lowest covering clause code per minute of the range, 0 when uncovered */
  readonly clause: Uint8Array;
  /** index into `windows` of the window that gave that clause */
  readonly window: Uint32Array;
  readonly windows: readonly ExclusionWindow[];
}

/**
 * Lowest clause covering each minute of [from, to) for one account; null when no window touches it.
 * Ties between windows of the same clause go to the one listed first.
 */
export const coverageFor = (
  accountId: string,
  from: number,
  to: number,
  windows: readonly ExclusionWindow[],
): Coverage | null => {
  let coverage: { clause: Uint8Array; window: Uint32Array } | null = null;
  windows.forEach((w, index) => {
    if (w.accountIds && !w.accountIds.has(accountId)) return;
    const start = Math.max(from, w.startMinute);
    const end = Math.min(to, w.endMinute);
    if (start >= end) return;
    coverage ??= { clause: new Uint8Array(to - from), window: new Uint32Array(to - from) };
    for (let m = start - from; m < end - from; m++) {
      const current = coverage.clause[m] ?? 0;
      if (current === 0 || w.clause < current) {
        coverage.clause[m] = w.clause;
        coverage.window[m] = index;
      }
    }
  });
  return coverage ? { ...(coverage as { clause: Uint8Array; window: Uint32Array }), windows } : null;
};
