// Settings of the month-end functions, from the environment (written by the infra only).
import { makeTable } from '../../shared/adapters/dynamodb/table.ts';
import { intEnv, requireEnv, zoneEnv } from '../../shared/config.ts';
import type { MonthEndSettings } from '../../shared/month-end/month-end-steps.ts';

let settings: MonthEndSettings | undefined;

/** Built once per container, on first use. */
export const monthEndSettings = (): MonthEndSettings => {
  settings ??= {
    table: makeTable(requireEnv('TABLE_NAME')),
    timeZone: zoneEnv('POLICY_TIME_ZONE'),
    batchSize: intEnv('MONTH_END_BATCH_SIZE', 50, 1),
    maintenanceMinNoticeHours: intEnv('MAINTENANCE_MIN_NOTICE_HOURS', 0, 0),
    coverageMinPercent: intEnv('COVERAGE_MIN_PERCENT', 90, 0),
    now: () => new Date(),
  };
  return settings;
};
