// Reads one byte range of an NDJSON file through a ProbeScanner.
//
// A file is cut into pieces at arbitrary byte offsets; each piece owns the lines that *start*
// inside it, so the boundary of a piece is moved to just after the first newline at or after
// it. Neighbouring pieces thus meet exactly, and every line is read once.

import { closeSync, openSync, readSync } from 'node:fs';
import type { ProbeScanner } from './probe-scanner.ts';

export interface Piece {
  readonly file: string;
  /** position of this piece among the pieces of its file */
  readonly order: number;
  readonly start: number;
  readonly end: number;
  /** file size when the pieces were cut */
  readonly size: number;
}

/** The offset just after the first newline at or after `at - 1`, or `size` when there is none. */
const lineBoundary = (fd: number, at: number, size: number): number => {
  if (at <= 0) return 0;
  if (at >= size) return size;
  const probe = Buffer.allocUnsafe(64 * 1024);
  let pos = at - 1;
  while (pos < size) {
    const n = readSync(fd, probe, 0, probe.length, pos);
    if (n <= 0) break;
    const nl = probe.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return pos + nl + 1;
    pos += n;
  }
  return size;
};

/** Scans the lines starting in [piece.start, piece.end); returns how many lines it read. */
export const scanPiece = (piece: Piece, scanner: ProbeScanner): number => {
  const before = scanner.tally.lines;
  const fd = openSync(piece.file, 'r');
  try {
    const from = lineBoundary(fd, piece.start, piece.size);
    const to = lineBoundary(fd, piece.end, piece.size);
    let pos = from;
    scanner.readFrom((into, offset, length) => {
      const n = pos < to ? readSync(fd, into, offset, Math.min(length, to - pos), pos) : 0;
      pos += Math.max(n, 0);
      return n;
    });
    scanner.finish();
  } finally {
    closeSync(fd);
  }
  return scanner.tally.lines - before;
};
