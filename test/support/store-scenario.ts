// Loads a contract-format scenario into a table as the pipeline's parts do: orders and windows by
// the repositories, probes through ProbeIngest (one batch).
import {
  type ExclusionRecord,
  type MaintenanceRecord,
  type OrderRecord,
  putExclusion,
  putMaintenance,
  putOrder,
} from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { ProbeIngest } from '#ingest/ingest-probes.ts';

export interface StoreScenario {
  orders: OrderRecord[];
  probes?: unknown[];
  maintenance?: MaintenanceRecord[];
  exclusions?: ExclusionRecord[];
}

export const loadScenario = async (
  table: Table,
  scenario: StoreScenario,
  timeZone = 'Asia/Shanghai',
): Promise<void> => {
  for (const order of scenario.orders) await putOrder(table, order);
  for (const m of scenario.maintenance ?? []) await putMaintenance(table, m);
  for (const e of scenario.exclusions ?? []) await putExclusion(table, e);
  const ingest = await ProbeIngest.open({
    table,
    source: 'backfill',
    runId: 'test',
    timeZone,
    retentionDaysAfterClaimClose: 30,
  });
  ingest.push(Buffer.from((scenario.probes ?? []).map((p) => JSON.stringify(p)).join('\n')));
  await ingest.finish();
};
