// Worker thread entry: scans the pieces it is given and sends back line counts, errors and the
// minute-state pages (transferred, not copied).

import { parentPort, workerData } from 'node:worker_threads';
import { ProbeScanner } from './probe-scanner.ts';
import { type Piece, scanPiece } from './scan-piece.ts';

export interface WorkerInput {
  readonly accountIds: readonly string[];
  readonly periods: readonly Float64Array[];
  readonly pieces: readonly Piece[];
}

export interface PieceOutcome {
  readonly file: string;
  readonly order: number;
  readonly lines: number;
  readonly errors: { line: number; field: string; message: string }[];
  readonly errorCount: number;
}

export interface WorkerOutput {
  readonly pieces: PieceOutcome[];
  readonly probes: number;
  readonly ignoredProbes: number;
  readonly droppedFields: number;
  readonly slowLines: number;
  /** flat triples: account index, page number, page */
  readonly pages: [number, number, Uint16Array][];
}

/** A scanner's counts and pages, as a worker sends them back (flat triples, transferable). */
export const scannerOutput = (scanner: ProbeScanner): Omit<WorkerOutput, 'pieces'> => {
  const pages: [number, number, Uint16Array][] = [];
  scanner.pages.forEach((byNo, index) => {
    for (const [no, page] of byNo) pages.push([index, no, page]);
  });
  const { probes, ignoredProbes, droppedFields, slowLines } = scanner.tally;
  return { probes, ignoredProbes, droppedFields, slowLines, pages };
};

export const runPieces = (input: WorkerInput): WorkerOutput => {
  const scanner = new ProbeScanner(input.accountIds, input.periods);
  const pieces: PieceOutcome[] = [];
  for (const piece of input.pieces) {
    const errorsBefore = scanner.tally.errorCount;
    scanner.tally.lines = 0;
    scanner.errors.length = 0;
    const lines = scanPiece(piece, scanner);
    pieces.push({
      file: piece.file,
      order: piece.order,
      lines,
      errors: [...scanner.errors],
      errorCount: scanner.tally.errorCount - errorsBefore,
    });
  }
  return { pieces, ...scannerOutput(scanner) };
};

if (parentPort && workerData) {
  const output = runPieces(workerData as WorkerInput);
  parentPort.postMessage(
    output,
    output.pages.map(([, , page]) => page.buffer as ArrayBuffer),
  );
}
