// Byte-level scanner for probe NDJSON: the hot path of `sla evaluate --probes`.
//
// Each line is read straight from the bytes: the five kept fields are decoded without making a
// string (ids are matched in a byte hash table, timestamps parsed digit by digit), every other
// field is skipped after checking it is valid JSON, and counted (R12). Anything unusual — an
// escape, a duplicate or missing field, a bad value — sends the line to the slow path
// (JSON.parse + validateProbe), which decides it exactly as the scenario's own probes are
// decided and words its errors. Both paths fold into the same minute-state pages.

import { createHash } from 'node:crypto';
import { daysFromCivil, daysInMonth, MINUTES_PER_DAY } from '#domain/instant.ts';
import { jsonSyntaxProblem } from '#domain/json-problem.ts';
import { CAUSES, PROBE_FIELDS, PROBE_FUNCTIONS, type ProbeProblem, resultBits, validateProbe } from '#domain/probe.ts';

export interface LineError {
  /** 1-based line number within the scanned piece */
  readonly line: number;
  /** field name, or '' for the whole line */
  readonly field: string;
  readonly message: string;
}

export interface RejectedLine {
  /** 1-based line number within the scanned piece */
  readonly line: number;
  readonly problems: readonly ProbeProblem[];
  /** the kept fields (R12) of a line that was a JSON object */
  readonly kept: Record<string, unknown> | undefined;
  readonly sha256: string;
  readonly bytes: number;
}

export interface ScanTally {
  lines: number;
  probes: number;
  ignoredProbes: number;
  droppedFields: number;
  /** lines the fast path handed to JSON.parse */
  slowLines: number;
  /** problems found (a line can have several) */
  errorCount: number;
  /** lines rejected */
  rejectedLines: number;
}

/** Longest string of a kept field stored with a quarantined record (an id is at most 128). */
const MAX_KEPT_TEXT = 128;

/** Errors kept per piece: enough for the CLI's first 20 whatever the split. */
export const MAX_KEPT_ERRORS = 20;

const Q = 0x22; // "
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const NEWLINE = 0x0a;

const FALLBACK = -1;
/** Scan buffer size, and the tail of it left unfilled for the decoder's look-ahead. */
const WORK_BUFFER = 4 * 1024 * 1024;
const SLACK = 256;

const ID_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-') ID_BYTE[c.charCodeAt(0)] = 1;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const FUNCTION_NAMES = PROBE_FUNCTIONS.map(bytes);
const CAUSE_NAMES = CAUSES.map(bytes);

const K_ACCOUNT = 1;
const K_FUNCTION = 2;
const K_AT = 4;
const K_OK = 8;
const K_CAUSE = 16;
const REQUIRED = K_ACCOUNT | K_FUNCTION | K_AT | K_OK;

/** JSON whitespace within a line: a newline always ends the line, never continues a value. */
const isInlineWs = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;

const isWs = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** Open-addressing table from id bytes to account index. */
class IdTable {
  private readonly slots: Int32Array;
  private readonly keys: Uint8Array[] = [];
  private readonly mask: number;

  constructor(ids: readonly string[]) {
    let size = 16;
    while (size < ids.length * 4) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    ids.forEach((id, index) => {
      const key = Buffer.from(id, 'latin1');
      this.keys.push(key);
      let slot = IdTable.hash(key, 0, key.length) & this.mask;
      while ((this.slots[slot] ?? -1) >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = index;
    });
  }

  static hash(buf: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
    return h >>> 0;
  }

  lookup(buf: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    let slot = hash & this.mask;
    for (;;) {
      const index = this.slots[slot] as number;
      if (index < 0) return -1;
      const key = this.keys[index] as Uint8Array;
      if (key.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (key[i] !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return index;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Matches bytes [start, end) against a list of names; returns the index or -1. */
const matchName = (buf: Uint8Array, start: number, end: number, names: readonly Uint8Array[]): number => {
  const len = end - start;
  for (let n = 0; n < names.length; n++) {
    const name = names[n] as Uint8Array;
    if (name.length !== len) continue;
    let i = 0;
    while (i < len && name[i] === buf[start + i]) i++;
    if (i === len) return n;
  }
  return -1;
};

export class ProbeScanner {
  readonly tally: ScanTally = {
    lines: 0,
    probes: 0,
    ignoredProbes: 0,
    droppedFields: 0,
    slowLines: 0,
    errorCount: 0,
    rejectedLines: 0,
  };
  readonly errors: LineError[] = [];
  /** per account index: page number → minute states */
  readonly pages: Map<number, Uint16Array>[];

  private readonly ids: IdTable;
  private readonly indexOfId: Map<string, number>;
  private readonly periods: Float64Array[];
  private readonly lastPageNo: Float64Array;
  private readonly lastPage: (Uint16Array | undefined)[];
  private work: Buffer = Buffer.allocUnsafe(WORK_BUFFER);
  private held = 0;

  // fields of the line being decoded
  private accountStart = 0;
  private accountEnd = 0;
  private minute = 0;
  private ok = 0;
  private cause = 0;
  private dropped = 0;
  private accountHash = 0;
  private readonly droppedKeyStart = new Int32Array(16);
  private readonly droppedKeyEnd = new Int32Array(16);
  private cachedMonthKey = -1;
  private cachedMonthDays = 0;
  private cachedMonthLength = 0;

  /** `accountIds[i]` has service periods `periods[i]` as flat [start, end) epoch-minute pairs. */
  constructor(
    readonly accountIds: readonly string[],
    periods: readonly Float64Array[],
    /** told of every rejected line (for quarantine): its problems and kept fields, never its text */
    private readonly onProblem?: (problem: RejectedLine) => void,
  ) {
    this.ids = new IdTable(accountIds);
    this.indexOfId = new Map(accountIds.map((id, i) => [id, i]));
    this.periods = [...periods];
    this.pages = accountIds.map(() => new Map());
    this.lastPageNo = new Float64Array(accountIds.length).fill(Number.NaN);
    this.lastPage = accountIds.map(() => undefined);
  }

  /**
   * Scans bytes as `read(into, offset, length)` delivers them, until it returns 0 or less.
   * Lines are scanned in place in the scanner's own buffer, whose tail is never filled: the
   * decoder's look-ahead past the data then stays inside the array (a typed-array read out of
   * bounds would make V8 slow down every read of the hot loop).
   */
  readFrom(read: (into: Buffer, offset: number, length: number) => number): void {
    for (;;) {
      if (this.held > (this.work.length - SLACK) / 2) {
        const bigger = Buffer.allocUnsafe(this.work.length * 2);
        this.work.copy(bigger, 0, 0, this.held);
        this.work = bigger;
      }
      const n = read(this.work, this.held, this.work.length - SLACK - this.held);
      if (n <= 0) return;
      const filled = this.held + n;
      const rest = this.scanLines(this.work, 0, filled);
      this.held = filled - rest;
      if (this.held > 0 && rest > 0) this.work.copyWithin(0, rest, filled);
    }
  }

  /** Scans a chunk of NDJSON; a line cut at the chunk's end waits for the next chunk. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    this.readFrom((into, at, length) => {
      const n = Math.min(length, chunk.length - offset);
      into.set(chunk.subarray(offset, offset + n), at);
      offset += n;
      return n;
    });
  }

  /** Scans the last line when it has no newline. */
  finish(): void {
    if (this.held > 0) {
      const held = this.held;
      this.held = 0;
      this.scanLine(this.work, 0, held);
    }
  }

  /**
   * Scans the complete lines of buf[start, end); returns where the unfinished last line starts.
   * A plain line is decoded in one pass that also finds its newline; any other goes through
   * scanLine with its bounds found first.
   */
  scanLines(buf: Buffer, start: number, end: number): number {
    let lineStart = start;
    while (lineStart < end) {
      const next = this.decodeFast(buf, lineStart, end, false);
      if (next > 0) {
        this.tally.lines++;
        this.tally.probes++;
        this.accept(buf);
        lineStart = next;
        continue;
      }
      const nl = buf.indexOf(NEWLINE, lineStart);
      if (nl < 0 || nl >= end) return lineStart;
      this.scanLine(buf, lineStart, nl);
      lineStart = nl + 1;
    }
    return lineStart;
  }

  /** Decides one line (without its newline). */
  scanLine(buf: Uint8Array, start: number, end: number): void {
    const lineNo = ++this.tally.lines;
    let i = start;
    while (i < end && isWs(buf[i] as number)) i++;
    if (i === end) return; // a blank line is not a record
    this.tally.probes++;
    if (this.decodeFast(buf, start, end, true) > 0) {
      this.accept(buf);
      return;
    }
    this.tally.slowLines++;
    this.decodeSlow(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8'), lineNo);
  }

  private accept(buf: Uint8Array): void {
    this.tally.droppedFields += this.dropped;
    const index = this.ids.lookup(buf, this.accountStart, this.accountEnd, this.accountHash);
    this.fold(index, this.minute, resultBits(this.ok === 1, this.cause));
  }

  private decodeSlow(text: string, lineNo: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.reject(lineNo, text, undefined, [{ field: '', message: `malformed JSON (${jsonSyntaxProblem(e)})` }]);
      return;
    }
    const fact = validateProbe(value);
    if (Array.isArray(fact)) {
      this.reject(lineNo, text, value, fact);
      return;
    }
    this.tally.droppedFields += fact.droppedFields;
    this.fold(this.indexOfId.get(fact.accountId) ?? -1, fact.minute, fact.bits);
  }

  private reject(lineNo: number, text: string, value: unknown, problems: readonly ProbeProblem[]): void {
    this.tally.rejectedLines++;
    for (const p of problems) this.error(lineNo, p.field, p.message);
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
    // the fields of a rejected record are dropped too, and counted (R12)
    if (record) for (const key of Object.keys(record)) if (!PROBE_FIELDS.has(key)) this.tally.droppedFields++;
    if (!this.onProblem) return;
    // kept: only the record's own fields, and only short strings and booleans — never an object
    // or array that could carry anything
    const kept = record
      ? Object.fromEntries(
          Object.entries(record).filter(
            ([key, v]) =>
              PROBE_FIELDS.has(key) && (typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_KEPT_TEXT)),
          ),
        )
      : undefined;
    this.onProblem({
      line: lineNo,
      problems,
      kept,
      sha256: createHash('sha256').update(text).digest('hex'),
      bytes: Buffer.byteLength(text),
    });
  }

  private error(line: number, field: string, message: string): void {
    this.tally.errorCount++;
    if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push({ line, field, message });
  }

  private fold(index: number, minute: number, bits: number): void {
    if (index < 0) {
      this.tally.ignoredProbes++;
      return;
    }
    const periods = this.periods[index] as Float64Array;
    let inside = false;
    for (let p = 0; p < periods.length; p += 2) {
      if (minute >= (periods[p] as number) && minute < (periods[p + 1] as number)) {
        inside = true;
        break;
      }
    }
    if (!inside) {
      this.tally.ignoredProbes++;
      return;
    }
    const pageNo = Math.floor(minute / MINUTES_PER_DAY);
    let page = this.lastPage[index];
    if (pageNo !== this.lastPageNo[index] || !page) {
      const pages = this.pages[index] as Map<number, Uint16Array>;
      page = pages.get(pageNo);
      if (!page) {
        page = new Uint16Array(MINUTES_PER_DAY);
        pages.set(pageNo, page);
      }
      this.lastPage[index] = page;
      this.lastPageNo[index] = pageNo;
    }
    const m = minute - pageNo * MINUTES_PER_DAY;
    page[m] = (page[m] as number) | bits;
  }

  /**
   * Decodes a plain probe object starting at `start`. With `lineEnd`, the line is exactly
   * [start, end); without, it ends at the first newline before `end`. Returns the index after
   * the line (past its newline, if any), or 0 to hand the line to the slow path (or, without
   * `lineEnd`, when its newline is not in the buffer yet).
   *
   * Bytes at or past `end` may be looked at but never decide anything: a line is accepted only
   * when its end lies before `end`. A newline is never whitespace here.
   */
  private decodeFast(buf: Uint8Array, start: number, end: number, lineEnd: boolean): number {
    let i = start;
    while (buf[i] === 0x20 || buf[i] === 0x09) i++;
    if (buf[i] !== LBRACE) return 0;
    i++;
    let seen = 0;
    this.cause = 0;
    this.dropped = 0;
    for (;;) {
      while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d) i++;
      if (buf[i] !== Q) return 0;
      i++;
      // a known key is recognised in place; any other is scanned and dropped
      let key = 0;
      const c = buf[i];
      if (c === 0x61) {
        if (buf[i + 1] === 0x74 && buf[i + 2] === Q) {
          key = K_AT;
          i += 3;
        } else if (
          buf[i + 1] === 0x63 &&
          buf[i + 2] === 0x63 &&
          buf[i + 3] === 0x6f &&
          buf[i + 4] === 0x75 &&
          buf[i + 5] === 0x6e &&
          buf[i + 6] === 0x74 &&
          buf[i + 7] === 0x49 &&
          buf[i + 8] === 0x64 &&
          buf[i + 9] === Q
        ) {
          key = K_ACCOUNT;
          i += 10;
        }
      } else if (c === 0x66) {
        if (
          buf[i + 1] === 0x75 &&
          buf[i + 2] === 0x6e &&
          buf[i + 3] === 0x63 &&
          buf[i + 4] === 0x74 &&
          buf[i + 5] === 0x69 &&
          buf[i + 6] === 0x6f &&
          buf[i + 7] === 0x6e &&
          buf[i + 8] === Q
        ) {
          key = K_FUNCTION;
          i += 9;
        }
      } else if (c === 0x6f) {
        if (buf[i + 1] === 0x6b && buf[i + 2] === Q) {
          key = K_OK;
          i += 3;
        }
      } else if (c === 0x63) {
        if (
          buf[i + 1] === 0x61 &&
          buf[i + 2] === 0x75 &&
          buf[i + 3] === 0x73 &&
          buf[i + 4] === 0x65 &&
          buf[i + 5] === Q
        ) {
          key = K_CAUSE;
          i += 6;
        }
      }
      if (key === 0) {
        const keyStart = i;
        while (i < end && buf[i] !== Q) {
          const b = buf[i] as number;
          if (b === BACKSLASH || b < 0x20) return 0;
          i++;
        }
        if (i >= end) return 0;
        // a dropped field named twice counts once, as JSON.parse keeps one of them
        if (!this.noteDroppedKey(buf, keyStart, i)) return 0;
        i++;
      } else {
        if ((seen & key) !== 0) return 0; // a repeated field: let JSON.parse decide
        seen |= key;
      }
      while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d) i++;
      if (buf[i] !== COLON) return 0;
      i++;
      while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d) i++;
      switch (key) {
        case K_ACCOUNT: {
          if (buf[i] !== Q) return 0;
          const s = ++i;
          let h = 0x811c9dc5;
          while (i < end) {
            const b = buf[i] as number;
            if (ID_BYTE[b] !== 1) break;
            h = Math.imul(h ^ b, 0x01000193);
            i++;
          }
          if (buf[i] !== Q || i === s || i - s > 128) return 0;
          this.accountStart = s;
          this.accountEnd = i++;
          this.accountHash = h >>> 0;
          break;
        }
        case K_FUNCTION:
          i = matchFunction(buf, i);
          if (i === 0) return 0;
          break;
        case K_CAUSE: {
          if (buf[i] !== Q) return 0;
          const s = ++i;
          while (i < end && buf[i] !== Q && buf[i] !== BACKSLASH) i++;
          if (buf[i] !== Q) return 0;
          this.cause = matchName(buf, s, i, CAUSE_NAMES);
          if (this.cause < 0) return 0;
          i++;
          break;
        }
        case K_OK:
          if (buf[i] === 0x74 && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65) {
            this.ok = 1;
            i += 4;
          } else if (
            buf[i] === 0x66 &&
            buf[i + 1] === 0x61 &&
            buf[i + 2] === 0x6c &&
            buf[i + 3] === 0x73 &&
            buf[i + 4] === 0x65
          ) {
            this.ok = 0;
            i += 5;
          } else return 0;
          break;
        case K_AT:
          i = this.decodeInstant(buf, i);
          if (i === 0) return 0;
          break;
        default:
          i = skipValue(buf, i, end, 0);
          if (i === FALLBACK) return 0;
      }
      while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d) i++;
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      if (buf[i] !== RBRACE) return 0;
      i++;
      break;
    }
    while (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d) i++;
    if ((seen & REQUIRED) !== REQUIRED) return 0;
    if (lineEnd) return i === end ? i : 0;
    return i < end && buf[i] === NEWLINE ? i + 1 : 0;
  }

  /**
   * Counts a dropped field's key unless the line named it already; false when the line has more
   * dropped fields than are tracked (the slow path then counts them).
   */
  private noteDroppedKey(buf: Uint8Array, start: number, end: number): boolean {
    const n = this.dropped;
    for (let k = 0; k < n; k++) {
      const s = this.droppedKeyStart[k] as number;
      if ((this.droppedKeyEnd[k] as number) - s !== end - start) continue;
      let j = 0;
      while (j < end - start && buf[s + j] === buf[start + j]) j++;
      if (j === end - start) return true;
    }
    if (n === this.droppedKeyStart.length) return false;
    this.droppedKeyStart[n] = start;
    this.droppedKeyEnd[n] = end;
    this.dropped = n + 1;
    return true;
  }

  /**
   * Parses `"YYYY-MM-DDThh:mm[:ss[.f{1,9}]](Z|±hh:mm)"` at i into this.minute; returns the index
   * after it, or 0. Seconds never move a result across a minute of a whole-minute offset.
   */
  private decodeInstant(buf: Uint8Array, start: number): number {
    let i = start;
    if (buf[i] !== Q) return 0;
    i++;
    const y1 = (buf[i] as number) - 0x30;
    const y2 = (buf[i + 1] as number) - 0x30;
    const y3 = (buf[i + 2] as number) - 0x30;
    const y4 = (buf[i + 3] as number) - 0x30;
    const mo1 = (buf[i + 5] as number) - 0x30;
    const mo2 = (buf[i + 6] as number) - 0x30;
    const d1 = (buf[i + 8] as number) - 0x30;
    const d2 = (buf[i + 9] as number) - 0x30;
    const h1 = (buf[i + 11] as number) - 0x30;
    const h2 = (buf[i + 12] as number) - 0x30;
    const mi1 = (buf[i + 14] as number) - 0x30;
    const mi2 = (buf[i + 15] as number) - 0x30;
    // (x >>> 0) > 9 rejects anything but a digit, NaN included
    if (
      y1 >>> 0 > 9 ||
      y2 >>> 0 > 9 ||
      y3 >>> 0 > 9 ||
      y4 >>> 0 > 9 ||
      mo1 >>> 0 > 9 ||
      mo2 >>> 0 > 9 ||
      d1 >>> 0 > 9 ||
      d2 >>> 0 > 9 ||
      h1 >>> 0 > 9 ||
      h2 >>> 0 > 9 ||
      mi1 >>> 0 > 9 ||
      mi2 >>> 0 > 9 ||
      buf[i + 4] !== 0x2d ||
      buf[i + 7] !== 0x2d ||
      buf[i + 10] !== 0x54 ||
      buf[i + 13] !== COLON
    ) {
      return 0;
    }
    const year = y1 * 1000 + y2 * 100 + y3 * 10 + y4;
    const month = mo1 * 10 + mo2;
    const day = d1 * 10 + d2;
    const hour = h1 * 10 + h2;
    const minute = mi1 * 10 + mi2;
    if (hour > 23 || minute > 59 || day < 1) return 0;
    const monthKey = year * 100 + month;
    if (monthKey !== this.cachedMonthKey) {
      if (month < 1 || month > 12) return 0;
      this.cachedMonthKey = monthKey;
      this.cachedMonthDays = daysFromCivil(year, month, 1);
      this.cachedMonthLength = daysInMonth(year, month);
    }
    if (day > this.cachedMonthLength) return 0;
    i += 16;
    if (buf[i] === COLON) {
      const tens = buf[i + 1] as number;
      if (tens < 0x30 || tens > 0x35 || !isDigit(buf[i + 2] as number)) return 0;
      i += 3;
      if (buf[i] === 0x2e) {
        i++;
        const s = i;
        while (isDigit(buf[i] as number)) i++;
        if (i === s || i - s > 9) return 0;
      }
    }
    let offset = 0;
    const sign = buf[i];
    if (sign === 0x5a) i++;
    else if (sign === 0x2b || sign === 0x2d) {
      const oh1 = (buf[i + 1] as number) - 0x30;
      const oh2 = (buf[i + 2] as number) - 0x30;
      const om1 = (buf[i + 4] as number) - 0x30;
      const om2 = (buf[i + 5] as number) - 0x30;
      if (oh1 >>> 0 > 9 || oh2 >>> 0 > 9 || om1 >>> 0 > 9 || om2 >>> 0 > 9 || buf[i + 3] !== COLON) return 0;
      const oh = oh1 * 10 + oh2;
      const om = om1 * 10 + om2;
      if (oh > 23 || om > 59) return 0;
      offset = (sign === 0x2d ? -1 : 1) * (oh * 60 + om);
      i += 6;
    } else return 0;
    if (buf[i] !== Q) return 0;
    this.minute = ((this.cachedMonthDays + day - 1) * 24 + hour) * 60 + minute - offset;
    return i + 1;
  }
}

/** Matches `"checkUpdate"`, `"publish"`, `"download"` or `"manage"` at i; returns the index after it, or 0. */
const matchFunction = (buf: Uint8Array, i: number): number => {
  if (buf[i] !== Q) return 0;
  const s = i + 1;
  for (let n = 0; n < FUNCTION_NAMES.length; n++) {
    const name = FUNCTION_NAMES[n] as Uint8Array;
    if (buf[s] !== name[0]) continue;
    let k = 1;
    while (k < name.length && buf[s + k] === name[k]) k++;
    if (k === name.length && buf[s + k] === Q) return s + k + 1;
    return 0;
  }
  return 0;
};

/** Skips one valid JSON value at i; returns the index after it, or FALLBACK. */
const skipValue = (buf: Uint8Array, start: number, end: number, depth: number): number => {
  let i = start;
  const b = buf[i];
  if (b === Q) {
    i++;
    while (i < end) {
      const c = buf[i] as number;
      if (c === Q) return i + 1;
      if (c < 0x20) return FALLBACK;
      if (c === BACKSLASH) {
        const e = buf[i + 1] as number;
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = buf[i + k] as number;
            if (!(isDigit(h) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) return FALLBACK;
          }
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          !(
            e === Q ||
            e === BACKSLASH ||
            e === 0x2f ||
            e === 0x62 ||
            e === 0x66 ||
            e === 0x6e ||
            e === 0x72 ||
            e === 0x74
          )
        ) {
          return FALLBACK;
        }
        i += 2;
        continue;
      }
      i++;
    }
    return FALLBACK;
  }
  if (b === LBRACE || b === LBRACKET) {
    if (depth >= 32) return FALLBACK;
    const close = b === LBRACE ? RBRACE : RBRACKET;
    i++;
    while (i < end && isInlineWs(buf[i] as number)) i++;
    if (buf[i] === close) return i + 1;
    for (;;) {
      if (b === LBRACE) {
        if (buf[i] !== Q) return FALLBACK;
        i = skipValue(buf, i, end, depth + 1);
        if (i === FALLBACK) return FALLBACK;
        while (i < end && isInlineWs(buf[i] as number)) i++;
        if (buf[i] !== COLON) return FALLBACK;
        i++;
        while (i < end && isInlineWs(buf[i] as number)) i++;
      }
      i = skipValue(buf, i, end, depth + 1);
      if (i === FALLBACK) return FALLBACK;
      while (i < end && isInlineWs(buf[i] as number)) i++;
      if (buf[i] === COMMA) {
        i++;
        while (i < end && isInlineWs(buf[i] as number)) i++;
        continue;
      }
      if (buf[i] === close) return i + 1;
      return FALLBACK;
    }
  }
  if (b === 0x74) return buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65 ? i + 4 : FALLBACK;
  if (b === 0x66) {
    return buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65 ? i + 5 : FALLBACK;
  }
  if (b === 0x6e) return buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c ? i + 4 : FALLBACK;
  // number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  if (b === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i] as number)) while (i < end && isDigit(buf[i] as number)) i++;
  else return FALLBACK;
  if (buf[i] === 0x2e) {
    i++;
    if (!isDigit(buf[i] as number)) return FALLBACK;
    while (i < end && isDigit(buf[i] as number)) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i] as number)) return FALLBACK;
    while (i < end && isDigit(buf[i] as number)) i++;
  }
  return i;
};
