// A prober run: a few rounds a minute apart, then one ingestion of all their results, so an
// account-hour costs a handful of writes rather than one per round. Its probe coverage: of the
// accounts it probed, those with an order in service during the run, and those of them with a
// result kept.

import { listProfiles } from '../adapters/dynamodb/registry-repository.ts';
import type { Table } from '../adapters/dynamodb/table.ts';
import { type IngestCoverage, type IngestSummary, ProbeIngest } from './ingest-probes.ts';
import { type ProberOptions, probeRound, toNdjson } from './prober.ts';

export { PROBER_SOURCE } from '../adapters/dynamodb/keys.ts';

import { PROBER_SOURCE } from '../adapters/dynamodb/keys.ts';

export interface ProberRunOptions extends ProberOptions {
  readonly table: Table;
  readonly rounds: number;
  readonly roundIntervalMs: number;
  readonly timeZone: string;
  readonly retentionDaysAfterClaimClose: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const runProber = async (
  options: ProberRunOptions,
): Promise<IngestSummary & IngestCoverage & { accounts: number }> => {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const profiles = (await listProfiles(options.table)).filter((p) => p.active);
  const ingest = await ProbeIngest.open({
    table: options.table,
    source: PROBER_SOURCE,
    runId: options.now().toISOString(),
    timeZone: options.timeZone,
    retentionDaysAfterClaimClose: options.retentionDaysAfterClaimClose,
    now: options.now,
  });
  const fromMinute = Math.floor(options.now().getTime() / 60_000);
  for (let round = 0; round < options.rounds; round++) {
    const started = options.now().getTime();
    ingest.push(toNdjson(await probeRound(profiles, options)));
    const wait = options.roundIntervalMs - (options.now().getTime() - started);
    if (round < options.rounds - 1 && wait > 0) await sleep(wait);
  }
  const span = {
    fromMinute,
    toMinute: Math.floor(options.now().getTime() / 60_000) + 1,
    among: new Set(profiles.map((p) => p.accountId)),
  };
  return { ...(await ingest.finish(span)), accounts: profiles.length };
};
