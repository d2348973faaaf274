// `sla evaluate`: the rules engine on files (contracts/README.md).
//
// Primary course:
//   1. read and validate the scenario (--input FILE|-);
//   2. fold its probes, then stream every --probes NDJSON file through the byte scanner;
//   3. evaluate and print the report — or, on any bad input, exit 2 with nothing on stdout.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { periodTable } from '#domain/account-periods.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { scanProbeFiles } from '#probes/scan-files.ts';
import { evaluateScenario } from '#scenario/evaluate-scenario.ts';
import { foldScenarioProbes } from '#scenario/fold-probes.ts';
import { parseScenario } from '#scenario/parse-scenario.ts';
import type { Io } from './main.ts';
import { CliFailure } from './output.ts';

interface EvaluateOptions {
  input: string;
  probes: string[];
  workers?: number;
  stats?: boolean;
}

const readInput = (file: string, io: Io): string => {
  try {
    return file === '-' ? io.stdin() : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliFailure([
      { path: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` },
    ]);
  }
};

const checkReadable = (files: readonly string[]): void => {
  const problems = files.flatMap((file) => {
    if (file === '-') return [];
    try {
      accessSync(file, constants.R_OK);
      if (statSync(file).isDirectory()) return [{ path: file, message: 'is a directory, not an NDJSON file' }];
      return [];
    } catch (e) {
      return [{ path: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }];
    }
  });
  if (problems.length > 0) throw new CliFailure(problems);
};

const parseWorkers = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('must be a whole number from 1 to 16');
  return n;
};

export const evaluateCommand = (io: Io): Command =>
  new Command('evaluate')
    .description('evaluate a scenario (and probe NDJSON files) into an SLA report on stdout')
    .requiredOption('--input <file>', "scenario JSON file, or '-' for stdin")
    .option(
      '--probes <file>',
      'extra probe results, one JSON object a line (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--workers <n>', 'threads that scan probe files, 1 to 16 (default: one per core)', parseWorkers)
    .option('--stats', 'print timing, memory and line counts to stderr as JSON')
    .option('--debug', 'print stack traces of unexpected failures')
    .action(async (options: EvaluateOptions) => {
      const started = performance.now();
      if (options.probes.includes('-') && options.input === '-') {
        throw new CliFailure([{ path: '--probes', message: 'stdin is already the scenario (--input -)' }]);
      }
      const parsed = parseScenario(readInput(options.input, io), options.input);
      if (parsed.problems) throw new CliFailure(parsed.problems);
      const { scenario } = parsed;

      const periods = periodTable(scenario.orders, scenario.policy.timeZone);
      const facts = new MinuteFacts();
      const own = foldScenarioProbes(scenario.probes, periods, facts);
      checkReadable(options.probes.filter((f) => f !== '-'));
      const scan = await scanProbeFiles(options.probes, periods, facts, {
        workerScript: io.workerScript,
        workers: options.workers,
      });
      if (scan.problemCount > 0) throw new CliFailure(scan.problems, undefined, scan.problemCount);

      const evaluated = evaluateScenario(scenario, facts, {
        ignoredProbes: own.ignoredProbes + scan.ignoredProbes,
        droppedFields: own.droppedFields + scan.droppedFields,
      });
      if (evaluated.problems) throw new CliFailure(evaluated.problems);
      io.stdout(`${JSON.stringify(evaluated.report, null, 2)}\n`);
      if (options.stats) {
        const stats = {
          ms: Math.round(performance.now() - started),
          maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
          lines: scan.lines,
          probes: scan.probes + scenario.probes.length,
          slowLines: scan.slowLines,
          workers: scan.workers,
        };
        io.stderr(`stats: ${JSON.stringify(stats)}\n`);
      }
    });
