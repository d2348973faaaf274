// `sla start [--month YYYY-MM] [--accounts N] [--seed S] [--out DIR]` (`npm start`): the embedded
// local run of a simulated month through the real handlers (shared/simulation/run.ts). Progress
// on stderr, the summary on stdout; everything written under DIR/<month>/.

import { Command } from 'commander';
import { DateTime } from 'luxon';
import { checkMonth } from '#domain/instant.ts';
import type { SimulationRunResult } from '../shared/simulation/run.ts';
import type { Io } from './main.ts';
import { CliFailure, type Problem } from './output.ts';

interface StartOptions {
  month?: string;
  accounts: string;
  seed: string;
  out: string;
}

/** 50 accounts take under a minute; each adds ~35,000 results (3 MB) and ~1 s. */
export const MAX_ACCOUNTS = 200;
const SECONDS = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
/** `75646.37` → `75,646.37` */
const grouped = (money: string): string => money.replace(/\B(?=(\d{3})+\.)/g, ',');

/** The month before today's, in Asia/Shanghai (the month the scheduled month-end evaluates now). */
export const previousMonth = (now: DateTime = DateTime.now()): string =>
  now.setZone('Asia/Shanghai').startOf('month').minus({ months: 1 }).toFormat('yyyy-MM');

const wholeNumber = (text: string, min: number, max: number): number | undefined => {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
};

export const formatRunSummary = (r: SimulationRunResult): string => {
  const t = r.accountTiers;
  return [
    `simulated ${r.month}: ${r.accounts} accounts, ${r.serviceMonths} service months, ${r.probeLines.toLocaleString('en')} probe results in ${r.feedWindows} feed windows`,
    `  tiers (accounts, worst service month): met ${t.met} · 10 % ${t.tier10} · 25 % ${t.tier25} · 100 % ${t.tier100}; coverage gaps ${r.coverageGaps}`,
    `  vouchers: CNY ${grouped(r.voucherTotal)}`,
    `  notices: ${r.noticesDelivered} delivered (claim windows open ${r.opensOn}) → ${r.outboxDir}`,
    `  claims: ${r.claimsAccepted} accepted, ${r.claimsRejected} rejected (recorded by the claims intake)`,
    `  report: ${r.reportFile} · ${r.monthReport.zh} · ${r.monthReport.en}`,
    `  scenario: sla evaluate --input ${r.scenarioFile} --probes ${r.probesFile}`,
    `  wall time: ${SECONDS(r.wallMs)} (${Object.entries(r.stepMs)
      .map(([step, ms]) => `${step} ${SECONDS(ms)}`)
      .join(', ')})`,
    '',
  ].join('\n');
};

export const startCommand = (io: Io): Command =>
  new Command('start')
    .alias('simulate')
    .description(
      'simulate a month on the embedded stand-ins: probe feed, ingestion, compaction, month-end, notices, claims, report',
    )
    .option('--month <YYYY-MM>', 'the month simulated (default: the previous month in Asia/Shanghai)')
    .option('--accounts <n>', `accounts (1–${MAX_ACCOUNTS})`, '50')
    .option('--seed <s>', 'seed of the simulation: the same seed, the same month', '42')
    .option('--out <dir>', 'output folder: OUT/<month>/report.json, outbox/, scenario/', 'out')
    .action(async (options: StartOptions) => {
      const problems: Problem[] = [];
      const month = options.month ?? previousMonth();
      const monthProblem = checkMonth(month);
      if (monthProblem) problems.push({ path: '--month', message: monthProblem });
      const accounts = wholeNumber(options.accounts, 1, MAX_ACCOUNTS);
      if (accounts === undefined)
        problems.push({ path: '--accounts', message: `must be a whole number from 1 to ${MAX_ACCOUNTS}` });
      const seed = wholeNumber(options.seed, 0, 0xffffffff);
      if (seed === undefined) problems.push({ path: '--seed', message: 'must be a whole number from 0 to 4294967295' });
      if (options.out.trim() === '') problems.push({ path: '--out', message: 'must name a folder' });
      if (problems.length > 0 || accounts === undefined || seed === undefined) throw new CliFailure(problems);

      const { runSimulation } = await import('../shared/simulation/run.ts');
      const { runMonthEnd } = await import('./month-end-local.ts');
      const result = await runSimulation({
        month,
        accounts,
        seed,
        outDir: options.out,
        progress: (line) => io.stderr(`${line}\n`),
        runMonthEnd,
      });
      io.stdout(formatRunSummary(result));
    });
