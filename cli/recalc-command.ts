// `sla recalc --month YYYY-MM [--account a,b] --reason "…" [--dry-run]`: recalculate a month's
// service months in the store. A dry run evaluates in-process and prints, per service month, the
// latest stored result beside the new one, writing nothing; a real run executes the month-end
// state machine locally (dist/month-end.asl.json) with reason `recalculation`.

import { Command } from 'commander';
import { checkMonth } from '#domain/instant.ts';
import { checkId } from '#domain/probe.ts';
import type { SummaryOutput } from '#month-end/contracts.ts';
import type { Io } from './main.ts';
import { CliFailure, type Problem } from './output.ts';
import { type StoreOptions, withStore, withStoreOptions } from './store.ts';

interface RecalcOptions extends StoreOptions {
  month: string;
  account?: string;
  reason: string;
  dryRun?: boolean;
}

const tierOf = (percent: number | undefined): string => (percent === undefined ? '—' : `${percent} %`);

export const formatSummary = (summary: SummaryOutput): string =>
  `${summary.month} (${summary.runId}): ${summary.evaluated} service months evaluated, ${summary.newVersions} new versions; ` +
  `tiers: met ${summary.tiers.met}, 10 % ${summary.tiers.tier10}, 25 % ${summary.tiers.tier25}, 100 % ${summary.tiers.tier100}; ` +
  `vouchers ${summary.voucherTotal}; failed ${summary.failed.length}\n`;

export const recalcCommand = (io: Io): Command =>
  withStoreOptions(new Command('recalc'))
    .description('recalculate a month in the store (the month-end workflow, run locally); --dry-run shows the changes')
    .requiredOption('--month <YYYY-MM>', 'the calendar month')
    .option('--account <ids>', 'comma-separated account ids (default: every account with a service month in it)')
    .requiredOption('--reason <text>', 'why the month is recalculated (recorded with each new version)')
    .option('--dry-run', 'print old and new results per service month, write nothing')
    .action(async (options: RecalcOptions) => {
      const problems: Problem[] = [];
      const monthProblem = checkMonth(options.month);
      if (monthProblem) problems.push({ path: '--month', message: monthProblem });
      const accounts = options.account
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (options.account !== undefined && accounts?.length === 0)
        problems.push({ path: '--account', message: 'name at least one account id' });
      for (const a of accounts ?? []) {
        const p = checkId(a);
        if (p) problems.push({ path: '--account', message: `"${a}": ${p}` });
      }
      if (options.reason.trim() === '') problems.push({ path: '--reason', message: 'must not be empty' });
      if (problems.length > 0) throw new CliFailure(problems);
      const input = {
        month: options.month,
        reason: 'recalculation' as const,
        requestedBy: process.env.USER || 'operator',
        note: options.reason,
        ...(accounts ? { accounts } : {}),
      };
      const local = await import('./month-end-local.ts');
      await withStore(options, async (store) => {
        if (!options.dryRun) {
          const summary = await local.runMonthEnd(store.table, input);
          io.stdout(`recalculated ${formatSummary(summary)}`);
          for (const f of summary.failed) io.stderr(`error: ${f.accountId}: ${f.error}\n`);
          if (summary.failed.length > 0)
            throw new CliFailure([{ path: '', message: `${summary.failed.length} accounts failed` }], 1);
          return;
        }
        const { plan, storedWindows } = await import('#month-end/month-end-steps.ts');
        const { evaluateAccountMonth } = await import('#month-end/evaluate-account-month.ts');
        const { latestResults } = await import('#adapters/dynamodb/result-repository.ts');
        const { BusinessCalendar } = await import('#domain/business-calendar.ts');
        const settings = local.monthEndSettingsFor(store.table);
        const planned = await plan(settings, input);
        const windows = await storedWindows(store.table, settings.maintenanceMinNoticeHours);
        const calendar = new BusinessCalendar();
        let changes = 0;
        for (const accountId of planned.batches.flatMap((b) => b.accounts)) {
          const result = await evaluateAccountMonth(accountId, {
            table: store.table,
            month: options.month,
            timeZone: settings.timeZone,
            windows,
            calendar,
            reason: 'recalculation',
            requestedBy: input.requestedBy,
            note: input.note,
            runId: planned.runId,
            now: settings.now,
            dryRun: true,
          });
          const stored = new Map(
            (await latestResults(store.table, accountId, options.month)).map((r) => [r.report.orderId, r]),
          );
          for (const [i, { report }] of result.evaluated.entries()) {
            const old = stored.get(report.orderId);
            const outcome = result.outcomes[i];
            const changed = outcome?.kind !== 'unchanged';
            if (changed) changes++;
            io.stdout(
              `${report.accountId}/${report.orderId}/${report.month}: ` +
                `unavailable ${old?.report.unavailableMinutes ?? '—'} → ${report.unavailableMinutes} min, ` +
                `tier ${tierOf(old?.report.compensationPercent)} → ${tierOf(report.compensationPercent)}, ` +
                `voucher ${old?.report.voucher ?? '—'} → ${report.voucher}` +
                `${changed ? ` (would add version ${(old?.version ?? 0) + 1})` : ' (unchanged)'}\n`,
            );
          }
        }
        io.stdout(
          `dry run: ${changes} service months would get a new version; nothing written (${store.description})\n`,
        );
      });
    });
