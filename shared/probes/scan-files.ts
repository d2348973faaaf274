// Scans probe NDJSON files into minute facts, on every core for large regular files.
//
// Primary course:
//   1. cut each regular file into one piece per worker (small inputs stay on this thread);
//   2. every worker scans its pieces and returns per-piece line counts and errors, then pages;
//   3. OR the pages into the facts and number the errors by their line in the whole file.
// Non-regular inputs (pipes, `-`) are streamed on this thread.

import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PeriodTable } from '#domain/account-periods.ts';
import type { MinuteFacts } from '#domain/minute-facts.ts';
import { MAX_KEPT_ERRORS, ProbeScanner } from './probe-scanner.ts';
import type { Piece } from './scan-piece.ts';
import { type PieceOutcome, runPieces, scannerOutput, type WorkerInput, type WorkerOutput } from './scan-worker.ts';

export interface FileProblem {
  /** `file:line.field` or `file:line` */
  readonly path: string;
  readonly message: string;
}

export interface FilesScan {
  readonly lines: number;
  readonly probes: number;
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly slowLines: number;
  /** the first problems in file then line order */
  readonly problems: FileProblem[];
  readonly problemCount: number;
  readonly workers: number;
}

export interface ScanOptions {
  /** the bundled worker entry; without it everything runs on this thread */
  readonly workerScript?: URL | undefined;
  readonly workers?: number | undefined;
  /** below this many bytes in all, no worker is started */
  readonly minParallelBytes?: number | undefined;
}

const DEFAULT_MIN_PARALLEL_BYTES = 16 * 1024 * 1024;

export const scanProbeFiles = async (
  fileList: readonly string[],
  periods: PeriodTable,
  facts: MinuteFacts,
  options: ScanOptions = {},
): Promise<FilesScan> => {
  const files = [...new Set(fileList)]; // a file named twice is read once
  const accountIds = [...periods.keys()];
  const periodList = accountIds.map((id) => periods.get(id) ?? new Float64Array());
  const regular: { file: string; size: number }[] = [];
  const streamed: string[] = [];
  for (const file of files) {
    const stat = file === '-' ? undefined : statSync(file);
    if (stat?.isFile()) regular.push({ file, size: stat.size });
    else streamed.push(file);
  }
  const totalBytes = regular.reduce((n, f) => n + f.size, 0);
  const workerCount =
    options.workerScript && totalBytes >= (options.minParallelBytes ?? DEFAULT_MIN_PARALLEL_BYTES)
      ? Math.max(1, Math.min(options.workers ?? availableParallelism(), 16))
      : 1;

  const assignments: Piece[][] = Array.from({ length: workerCount }, () => []);
  for (const { file, size } of regular) {
    for (let w = 0; w < workerCount; w++) {
      const start = Math.floor((size * w) / workerCount);
      const end = Math.floor((size * (w + 1)) / workerCount);
      assignments[w]?.push({ file, order: w, start, end, size });
    }
  }
  const inputs: WorkerInput[] = assignments.map((pieces) => ({ accountIds, periods: periodList, pieces }));
  const outputs =
    workerCount > 1 && options.workerScript
      ? await Promise.all(inputs.map((input) => runInWorker(options.workerScript as URL, input)))
      : inputs.map(runPieces);

  const outcomes: PieceOutcome[] = outputs.flatMap((o) => o.pieces);
  for (const file of streamed) outputs.push(await streamFile(file, accountIds, periodList, outcomes));

  for (const output of outputs) {
    for (const [index, pageNo, page] of output.pages) facts.mergePage(accountIds[index] ?? '', pageNo, page);
  }
  return {
    ...summarise(files, outcomes),
    probes: sum(outputs, (o) => o.probes),
    ignoredProbes: sum(outputs, (o) => o.ignoredProbes),
    droppedFields: sum(outputs, (o) => o.droppedFields),
    slowLines: sum(outputs, (o) => o.slowLines),
    workers: workerCount > 1 ? workerCount : 0,
  };
};

const sum = (outputs: readonly WorkerOutput[], pick: (o: WorkerOutput) => number): number =>
  outputs.reduce((n, o) => n + pick(o), 0);

/** Numbers each piece's errors by their line in the whole file and keeps the first ones. */
const summarise = (
  files: readonly string[],
  outcomes: readonly PieceOutcome[],
): { lines: number; problems: FileProblem[]; problemCount: number } => {
  const problems: FileProblem[] = [];
  let problemCount = 0;
  let lines = 0;
  for (const file of files) {
    const pieces = outcomes.filter((o) => o.file === file).sort((a, b) => a.order - b.order);
    let before = 0;
    for (const piece of pieces) {
      problemCount += piece.errorCount;
      for (const e of piece.errors) {
        if (problems.length >= MAX_KEPT_ERRORS) break;
        const at = `${file}:${before + e.line}`;
        problems.push({ path: e.field ? `${at}.${e.field}` : at, message: e.message });
      }
      before += piece.lines;
    }
    lines += before;
  }
  return { lines, problems, problemCount };
};

const runInWorker = (script: URL, input: WorkerInput): Promise<WorkerOutput> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: input });
    let settled = false;
    worker.once('message', (output: WorkerOutput) => {
      settled = true;
      resolve(output);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`probe scan worker stopped with exit code ${code}`));
    });
  });

const streamFile = async (
  file: string,
  accountIds: readonly string[],
  periods: readonly Float64Array[],
  outcomes: PieceOutcome[],
): Promise<WorkerOutput> => {
  const scanner = new ProbeScanner(accountIds, periods);
  const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  for await (const chunk of stream) scanner.push(chunk as Buffer);
  scanner.finish();
  outcomes.push({
    file,
    order: 0,
    lines: scanner.tally.lines,
    errors: [...scanner.errors],
    errorCount: scanner.tally.errorCount,
  });
  return { pieces: [], ...scannerOutput(scanner) };
};
