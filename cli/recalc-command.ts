// `sla recalc --month YYYY-MM [--account a,b] --reason "…" [--dry-run] [--state-machine-arn ARN]`:
// recalculate a month's service months. A dry run evaluates in-process and prints, per service
// month, the latest stored result beside the new one, writing nothing. A real run either starts
// the deployed month-end state machine (StartExecution, with --state-machine-arn or
// SLA_STATE_MACHINE_ARN) or executes the same definition locally (dist/month-end.asl.json) on the
// store, its notices going to the embedded queue and from there to --outbox (one file a notice).

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
  stateMachineArn?: string;
  outbox: string;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

const tierOf = (percent: number | undefined): string => (percent === undefined ? '—' : `${percent} %`);

export const formatSummary = (summary: SummaryOutput): string =>
  `${summary.month} (${summary.runId}): ${summary.evaluated} service months evaluated, ${summary.newVersions} new versions; ` +
  `tiers: met ${summary.tiers.met}, 10 % ${summary.tiers.tier10}, 25 % ${summary.tiers.tier25}, 100 % ${summary.tiers.tier100}; ` +
  `vouchers ${summary.voucherTotal}; failed ${summary.failedCount}\n`;

/** An execution name: unique per request, readable in the console (≤ 80 characters). */
export const executionName = (month: string, now: Date): string =>
  `recalculation-${month}-${now.toISOString().replace(/[-:.]/g, '')}-${Math.random().toString(36).slice(2, 8)}`;

export const recalcCommand = (io: Io): Command =>
  withStoreOptions(new Command('recalc'))
    .description('recalculate a month in the store (the month-end workflow, run locally); --dry-run shows the changes')
    .requiredOption('--month <YYYY-MM>', 'the calendar month')
    .option('--account <ids>', 'comma-separated account ids (default: every account with a service month in it)')
    .requiredOption('--reason <text>', 'why the month is recalculated (recorded with each new version)')
    .option('--dry-run', 'print old and new results per service month, write nothing')
    .option(
      '--state-machine-arn <arn>',
      'start the deployed month-end state machine instead of a local run (default: SLA_STATE_MACHINE_ARN)',
    )
    .option('--outbox <dir>', 'a local run: where its notices are written, one file each', '.sla/outbox')
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
      const stateMachineArn = options.stateMachineArn ?? (process.env.SLA_STATE_MACHINE_ARN || undefined);
      if (stateMachineArn !== undefined && !STATE_MACHINE_ARN.test(stateMachineArn))
        problems.push({ path: '--state-machine-arn', message: `"${stateMachineArn}" is not a state machine ARN` });
      // a local real run queues its notices on an embedded queue and writes them to files: against
      // a table in AWS it would record them enqueued while no deployed worker ever sees them
      const inAws =
        (options.table ?? process.env.SLA_TABLE) !== undefined &&
        (options.endpoint ?? process.env.SLA_DYNAMODB_ENDPOINT) === undefined;
      if (inAws && stateMachineArn === undefined && !options.dryRun)
        problems.push({
          path: '--state-machine-arn',
          message:
            'is required to recalculate a table in AWS (a local run would record its notices without queueing them to the deployed worker); use --dry-run to preview',
        });
      if (problems.length > 0) throw new CliFailure(problems);
      const input = {
        month: options.month,
        reason: 'recalculation' as const,
        requestedBy: process.env.USER || 'operator',
        note: options.reason,
        ...(accounts ? { accounts } : {}),
      };
      if (stateMachineArn !== undefined && !options.dryRun) {
        const { SFNClient, StartExecutionCommand } = await import('./start-execution.ts');
        const client = new SFNClient({});
        try {
          const started = await client.send(
            new StartExecutionCommand({
              stateMachineArn,
              name: executionName(options.month, new Date()),
              input: JSON.stringify(input),
            }),
          );
          io.stdout(
            `started ${started.executionArn} (${options.month}, recalculation)\n` +
              `follow it: aws stepfunctions describe-execution --execution-arn ${started.executionArn}\n`,
          );
        } finally {
          client.destroy();
        }
        return;
      }
      const local = await import('./month-end-local.ts');
      await withStore(options, async (store) => {
        if (!options.dryRun) {
          const { startLocalSqs } = await import('#adapters/sqs/local-sqs.ts');
          const { deliverQueuedNotices } = await import('../shared/notices/local-worker.ts');
          const sqs = await startLocalSqs();
          try {
            const run = await local.runMonthEnd(store.table, input, { queue: sqs.queue });
            const { summary } = run.output;
            const notices = local.noticeTotals(run.output.notices);
            const written = await deliverQueuedNotices(store.table, sqs.queue, options.outbox);
            io.stdout(`recalculated ${formatSummary(summary)}`);
            io.stdout(
              run.noticesDeferredUntil
                ? `notices: none yet — the claim windows open at ${run.noticesDeferredUntil}\n`
                : `notices: ${notices.windowOpen} window-open, ${notices.corrections} corrections` +
                    `${notices.resent > 0 ? `, ${notices.resent} sent again` : ''} → ${written} files in ${options.outbox}\n`,
            );
            const failed = [...summary.failed, ...notices.failed];
            for (const f of failed) io.stderr(`error: ${f.accountId}: ${f.error}\n`);
            const failedCount = summary.failedCount + notices.failedCount;
            if (failedCount > 0) throw new CliFailure([{ path: '', message: `${failedCount} accounts failed` }], 1);
          } finally {
            await sqs.close();
          }
          return;
        }
        const { planAccounts, storedWindows } = await import('#month-end/month-end-steps.ts');
        const { evaluateAccountMonth } = await import('#month-end/evaluate-account-month.ts');
        const { latestResults } = await import('#adapters/dynamodb/result-repository.ts');
        const { BusinessCalendar } = await import('#domain/business-calendar.ts');
        const settings = local.monthEndSettingsFor(store.table);
        const planned = await planAccounts(settings, input);
        const windows = await storedWindows(store.table, settings.maintenanceMinNoticeHours);
        const calendar = new BusinessCalendar();
        let changes = 0;
        for (const accountId of planned.accounts) {
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
