// A prober run: a few rounds a minute apart, then one ingestion of all their results, so an
// account-hour costs a handful of writes rather than one per round.

import { listProfiles } from '../adapters/dynamodb/registry-repository.ts';
import type { Table } from '../adapters/dynamodb/table.ts';
import { type IngestSummary, ProbeIngest } from './ingest-probes.ts';
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

export const runProber = async (options: ProberRunOptions): Promise<IngestSummary & { accounts: number }> => {
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
  for (let round = 0; round < options.rounds; round++) {
    const started = options.now().getTime();
    ingest.push(toNdjson(await probeRound(profiles, options)));
    const wait = options.roundIntervalMs - (options.now().getTime() - started);
    if (round < options.rounds - 1 && wait > 0) await sleep(wait);
  }
  return { ...(await ingest.finish()), accounts: profiles.length };
};
