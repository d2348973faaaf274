// `sla pipeline --scenario FILE --out DIR [--shuffle-seed N]`: the whole pipeline on the embedded
// stand-ins, for one scenario of the contract format, into DIR/report.json (report.schema.json).
//
// Primary course:
//   1. validate the scenario as `sla evaluate` does (bad input: exit 2, the same error lines);
//   2. start a fresh in-memory dynalite; store orders, maintenance and exclusions;
//   3. ingest the probes through ProbeIngest (with a seed: shuffled, duplicated, in random batches);
//   4. run the month-end state machine locally for every calendar month the orders cover; its
//      notices go to the embedded notice queue, and from it to DIR/outbox/ (one file a notice);
//   5. build the report from the stored results: service months, claims judged, counts, warnings;
//      and each month's report (shared/report) as DIR/<month>/report.html and report.en.html.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { periodTable } from '#domain/account-periods.ts';
import { type EvaluatedMonth, judgeClaim, serviceMonthKey } from '#domain/evaluate.ts';
import { formatMoney } from '#domain/fees.ts';
import { localDateOf } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { type ClaimReport, evaluateScenario, type Report } from '#scenario/evaluate-scenario.ts';
import { foldScenarioProbes } from '#scenario/fold-probes.ts';
import { parseScenario } from '#scenario/parse-scenario.ts';
import { seededRandom } from '../shared/random.ts';
import type { Io } from './main.ts';
import { CliFailure } from './output.ts';

interface PipelineOptions {
  scenario: string;
  out: string;
  shuffleSeed?: number;
}

const parseSeed = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
};

/** Lines shuffled, about one in ten duplicated, split into 1–4 batches; the same seed, the same batches. */
export const shuffledBatches = (lines: readonly string[], seed: number): string[][] => {
  const random = seededRandom(seed);
  const all = lines.flatMap((line) => (random() < 0.1 ? [line, line] : [line]));
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  const cuts = new Set<number>();
  const batches = 1 + Math.floor(random() * 4);
  while (cuts.size < Math.min(batches - 1, Math.max(all.length - 1, 0)))
    cuts.add(1 + Math.floor(random() * (all.length - 1)));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), all.length];
  return bounds.slice(1).map((end, i) => all.slice(bounds[i], end));
};

export const pipelineCommand = (io: Io): Command =>
  new Command('pipeline')
    .description('run the whole pipeline (store, ingest, month-end) for one scenario on a fresh in-memory store')
    .requiredOption('--scenario <file>', 'scenario JSON file (the `sla evaluate` contract)')
    .requiredOption('--out <dir>', 'folder for report.json')
    .option('--shuffle-seed <n>', 'ingest the probes shuffled, partly duplicated, in random batches', parseSeed)
    .option('--debug', 'print stack traces of unexpected failures')
    .action(async (options: PipelineOptions) => {
      let text: string;
      try {
        text = readFileSync(options.scenario, 'utf8');
      } catch (e) {
        throw new CliFailure([
          {
            path: options.scenario,
            message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          },
        ]);
      }
      const parsed = parseScenario(text, options.scenario);
      if (parsed.problems) throw new CliFailure(parsed.problems);
      const { scenario } = parsed;
      const zone = scenario.policy.timeZone;
      // the warnings (and any engine-level problem) as `sla evaluate` gives them
      const facts = new MinuteFacts();
      const own = foldScenarioProbes(scenario.probes, periodTable(scenario.orders, zone), facts);
      const offline = evaluateScenario(scenario, facts, own);
      if (offline.problems) throw new CliFailure(offline.problems);

      const raw = JSON.parse(text) as {
        orders?: unknown[];
        maintenance?: unknown[];
        exclusions?: unknown[];
        probes?: unknown[];
      };
      const repo = await import('#adapters/dynamodb/registry-repository.ts');
      const { evaluatedMonthOf, latestResults } = await import('#adapters/dynamodb/result-repository.ts');
      const { startLocalDynamo } = await import('#adapters/dynamodb/local-dynamodb.ts');
      const { ProbeIngest } = await import('#ingest/ingest-probes.ts');
      const { runMonthEnd, noticeTotals } = await import('./month-end-local.ts');
      const { startLocalSqs } = await import('#adapters/sqs/local-sqs.ts');
      const { deliverQueuedNotices } = await import('../shared/notices/local-worker.ts');
      const local = await startLocalDynamo('tcmpp-sla-pipeline');
      const sqs = await startLocalSqs();
      let report: Report;
      let notices = 0;
      const monthReports: string[] = [];
      try {
        const { table } = local;
        for (const o of raw.orders ?? []) await repo.putOrder(table, o as Parameters<typeof repo.putOrder>[1]);
        for (const m of raw.maintenance ?? [])
          await repo.putMaintenance(table, m as Parameters<typeof repo.putMaintenance>[1]);
        for (const e of raw.exclusions ?? [])
          await repo.putExclusion(table, e as Parameters<typeof repo.putExclusion>[1]);

        const lines = (raw.probes ?? []).map((p) => JSON.stringify(p));
        const batches = options.shuffleSeed === undefined ? [lines] : shuffledBatches(lines, options.shuffleSeed);
        let ignoredProbes = 0;
        let droppedFields = 0;
        for (const [i, batch] of batches.entries()) {
          const ingest = await ProbeIngest.open({
            table,
            source: 'backfill',
            runId: `pipeline#${i}`,
            timeZone: zone,
            retentionDaysAfterClaimClose: 30,
          });
          if (batch.length > 0) ingest.push(Buffer.from(`${batch.join('\n')}\n`));
          const summary = await ingest.finish();
          ignoredProbes += summary.ignoredProbes;
          droppedFields += summary.droppedFields;
        }

        const months = [
          ...new Set(scenario.orders.flatMap((o) => serviceMonthsOf(o, zone).map((m) => m.month))),
        ].sort();
        // the scenario's own policy: zone, notice hours, and its calendar (added days, strictness)
        const settings = {
          timeZone: zone,
          maintenanceMinNoticeHours: scenario.policy.maintenanceMinNoticeHours,
          calendar: scenario.calendar,
        };
        for (const month of months) {
          const { output } = await runMonthEnd(
            table,
            { month, reason: 'scheduled', requestedBy: 'pipeline' },
            { queue: sqs.queue, settings },
          );
          const failed = [...output.summary.failed, ...noticeTotals(output.notices).failed];
          if (failed.length > 0) {
            throw new Error(`month-end ${month}: ${failed.map((f) => `${f.accountId}: ${f.error}`).join('; ')}`);
          }
        }
        notices = await deliverQueuedNotices(table, sqs.queue, join(options.out, 'outbox'));

        const accounts = [...new Set(scenario.orders.map((o) => o.accountId))];
        const evaluated: EvaluatedMonth[] = [];
        for (const accountId of accounts) {
          for (const month of months) {
            for (const stored of await latestResults(table, accountId, month)) evaluated.push(evaluatedMonthOf(stored));
          }
        }
        const key = (m: EvaluatedMonth) => serviceMonthKey(m.report.accountId, m.report.orderId, m.report.month);
        const byMonthKey = new Map(evaluated.map((m) => [key(m), m]));
        const accepted = new Set<string>();
        const claims = scenario.claims.map((claim): ClaimReport => {
          const filedDay = localDateOf(claim.filedAt.epochMs, zone);
          const verdict = judgeClaim({ ...claim, filedDay }, byMonthKey, accepted);
          return verdict.accepted
            ? { ...claim.fields, accepted: true, voucher: formatMoney(verdict.voucherFen) }
            : { ...claim.fields, accepted: false, reason: verdict.reason };
        });
        const shown = evaluated
          .filter((m) => !scenario.months || scenario.months.has(m.report.month))
          .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
        report = {
          serviceMonths: shown.map((m) => m.report),
          claims,
          ignoredProbes,
          droppedFields,
          warnings: offline.report.warnings,
        };
        // the month report of each month shown: DIR/<month>/report.html, report.en.html
        const { buildMonthReportModel } = await import('../shared/report/build-model.ts');
        const { writeMonthReport } = await import('../shared/report/write-report.ts');
        for (const month of [...new Set(shown.map((m) => m.report.month))].sort()) {
          const model = await buildMonthReportModel({
            table,
            month,
            timeZone: zone,
            claimsOf: async (accountId, m) =>
              claims.flatMap((c) =>
                c.accountId === accountId && c.month === m && typeof c.orderId === 'string'
                  ? [{ orderId: c.orderId, accepted: c.accepted, ...(c.accepted ? {} : { reason: c.reason }) }]
                  : [],
              ),
          });
          monthReports.push((await writeMonthReport(join(options.out, month), model)).html['zh-CN']);
        }
      } finally {
        await sqs.close();
        await local.close();
      }
      mkdirSync(options.out, { recursive: true });
      const file = join(options.out, 'report.json');
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      io.stdout(
        `pipeline: ${report.serviceMonths.length} service months, ${report.claims.length} claims → ${file}; ` +
          `${notices} notices → ${join(options.out, 'outbox')}; month reports: ${monthReports.join(', ') || 'none'}\n`,
      );
    });
