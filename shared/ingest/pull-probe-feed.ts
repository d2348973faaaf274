// The probe-feed puller: brings the probe system's results into minute facts, one closed window
// at a time, in order.
//
// Feed contract: `GET {baseUrl}/probe-results?from=<ISO>&to=<ISO>` returns, as NDJSON, the
// results the probe system *received* in [from, to); a record's own `at` may be earlier (a late
// result simply arrives in a later window). 200: the window is complete. 202, 404, 425 or 503:
// not ready yet — the run stops and the next run asks again. Anything else is an error.
//
// Primary course:
//   1. read the watermark (the end of the last window done);
//   2. for each closed window after it (ending at least `lagMinutes` ago), fetch and ingest it,
//      counting its probe coverage: the accounts in service during the window, and those of them
//      with a result kept;
//   3. advance the watermark only if it still is where this run found it (a concurrent or
//      repeated run then stops instead of doing the window twice — and doing it twice would
//      change nothing anyway: writes are set unions).

import { advanceWatermark, readWatermark } from '../adapters/dynamodb/registry-repository.ts';
import type { Table } from '../adapters/dynamodb/table.ts';
import { type IngestCoverage, type IngestSummary, ProbeIngest } from './ingest-probes.ts';

export { FEED_SOURCE } from '../adapters/dynamodb/keys.ts';

import { FEED_SOURCE } from '../adapters/dynamodb/keys.ts';

export interface FeedOptions {
  readonly table: Table;
  readonly baseUrl: string;
  /** bearer token for the feed, if it needs one */
  readonly token?: string | undefined;
  readonly windowMinutes: number;
  readonly lagMinutes: number;
  /** windows one run may do (bounds a catch-up after an outage) */
  readonly maxWindowsPerRun: number;
  /** where a source without a watermark starts: epoch minute; default the last closed window */
  readonly startMinute?: number | undefined;
  readonly timeoutMs: number;
  readonly timeZone: string;
  readonly retentionDaysAfterClaimClose: number;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
}

export type StopReason = 'caught-up' | 'not-ready' | 'max-windows' | 'concurrent-run';

export interface FeedRun {
  readonly windows: { from: string; to: string; summary: IngestSummary & IngestCoverage }[];
  readonly stoppedBecause: StopReason;
  readonly watermark: string;
}

const NOT_READY = new Set([202, 404, 425, 503]);

export class FeedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const iso = (minute: number): string => new Date(minute * 60_000).toISOString();

export const pullProbeFeed = async (options: FeedOptions): Promise<FeedRun> => {
  const { table, windowMinutes, lagMinutes } = options;
  const doFetch = options.fetch ?? fetch;
  const nowMinute = Math.floor(options.now().getTime() / 60_000);
  const closedUpTo = nowMinute - lagMinutes;
  const lastClosedStart = Math.floor(closedUpTo / windowMinutes) * windowMinutes - windowMinutes;
  let stored = await readWatermark(table, FEED_SOURCE);
  let watermark = stored ?? options.startMinute ?? lastClosedStart;
  const windows: FeedRun['windows'] = [];
  let stoppedBecause: StopReason = 'max-windows';
  while (windows.length < options.maxWindowsPerRun) {
    const from = watermark;
    const to = from + windowMinutes;
    if (to > closedUpTo) {
      stoppedBecause = 'caught-up';
      break;
    }
    const url = new URL('probe-results', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    url.searchParams.set('from', iso(from));
    url.searchParams.set('to', iso(to));
    const response = await doFetch(url, {
      headers: {
        accept: 'application/x-ndjson',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    }).catch((e: unknown) => {
      throw new FeedError(`probe feed unreachable for ${iso(from)}..${iso(to)}: ${(e as Error).message}`);
    });
    if (NOT_READY.has(response.status)) {
      await response.body?.cancel();
      stoppedBecause = 'not-ready';
      break;
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      throw new FeedError(`probe feed answered ${response.status} for ${iso(from)}..${iso(to)}`, response.status);
    }
    const ingest = await ProbeIngest.open({
      table,
      source: FEED_SOURCE,
      runId: iso(from),
      timeZone: options.timeZone,
      retentionDaysAfterClaimClose: options.retentionDaysAfterClaimClose,
      now: options.now,
    });
    for await (const chunk of response.body) ingest.push(chunk);
    const summary = await ingest.finish({ fromMinute: from, toMinute: to });
    windows.push({ from: iso(from), to: iso(to), summary });
    if (!(await advanceWatermark(table, FEED_SOURCE, stored, to))) {
      stoppedBecause = 'concurrent-run';
      break;
    }
    watermark = to;
    stored = to;
  }
  return { windows, stoppedBecause, watermark: iso(watermark) };
};
