// Property tests of the rules engine's invariants (SPEC R1, R4–R8, R12), with fast-check.
//
// Every run is reproducible: each property has its own fixed seed (FC_SEED moves them all and
// FC_RUNS_SCALE multiplies the runs, to explore). Expectations come from independent oracles
// (platform Date, BigInt, JSON.parse, a minute-by-minute reading of R4/R5) or from the same engine
// on an input that must not change the answer — never from the function under test on the same
// input.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type PeriodTable, periodTable } from '#domain/account-periods.ts';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { evaluateOrder } from '#domain/evaluate.ts';
import { allocateByLargestRemainder, voucherFor } from '#domain/fees.ts';
import { minuteOf, parseInstant } from '#domain/instant.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { validateProbe } from '#domain/probe.ts';
import { serviceMonthsOf } from '#domain/service-months.ts';
import { availabilityPercent, compensationPercent } from '#domain/tiers.ts';
import { type LineError, MAX_KEPT_ERRORS, ProbeScanner } from '#probes/probe-scanner.ts';
import { scanPiece } from '#probes/scan-piece.ts';
import { evaluateScenario, type ProbeTally, type Report } from '#scenario/evaluate-scenario.ts';
import { foldScenarioProbes } from '#scenario/fold-probes.ts';
import { parseScenario } from '#scenario/parse-scenario.ts';
import {
  type ChunkMode,
  cashFenArb,
  chunkCuts,
  chunksOf,
  daysInMonthOracle,
  epochDay,
  fenOf,
  isoDay,
  KNOWN_FIELDS,
  ndjsonOf,
  oracleCompensation,
  oracleIgnored,
  oracleInstantMinute,
  oracleServiceMonths,
  oracleVerdicts,
  plainJsonString,
  prng,
  roundHalfUp,
  type ScenarioModel,
  scenarioArb,
  scenarioText,
  shuffled,
  timestampTextArb,
  ZONES,
} from '../support/arbitraries.ts';

const SEED = Number(process.env.FC_SEED || 20_260_610);
/** FC_RUNS_SCALE=10 for a longer hunt; the default keeps the file well under 40 s on 2 cores. */
const SCALE = Number(process.env.FC_RUNS_SCALE || 1);
const runs = (numRuns: number, property: number): { seed: number; numRuns: number } => ({
  seed: SEED + property,
  numRuns: Math.max(1, Math.round(numRuns * SCALE)),
});

// ---------------------------------------------------------------------------------------------
// The CLI's sequence (cli/evaluate-command.ts), in process

interface ScanSummary extends ProbeTally {
  readonly probes: number;
  readonly lines: number;
  readonly slowLines: number;
  readonly errorCount: number;
  readonly errors: readonly LineError[];
}

const NO_SCAN: ScanSummary = {
  ignoredProbes: 0,
  droppedFields: 0,
  probes: 0,
  lines: 0,
  slowLines: 0,
  errorCount: 0,
  errors: [],
};

/** parseScenario → periodTable → MinuteFacts + foldScenarioProbes → (scan) → evaluateScenario. */
const evaluateText = (
  text: string,
  scan: (periods: PeriodTable, facts: MinuteFacts) => ScanSummary = () => NO_SCAN,
) => {
  const parsed = parseScenario(text, 'generated');
  if (parsed.problems) throw new Error(`generator made an invalid scenario: ${JSON.stringify(parsed.problems)}`);
  const { scenario } = parsed;
  const periods = periodTable(scenario.orders, scenario.policy.timeZone);
  const facts = new MinuteFacts();
  const own = foldScenarioProbes(scenario.probes, periods, facts);
  const scanned = scan(periods, facts);
  const evaluated = evaluateScenario(scenario, facts, {
    ignoredProbes: own.ignoredProbes + scanned.ignoredProbes,
    droppedFields: own.droppedFields + scanned.droppedFields,
  });
  if (evaluated.problems) throw new Error(`evaluation failed: ${JSON.stringify(evaluated.problems)}`);
  return { report: evaluated.report, scan: scanned };
};

const reportOf = (model: ScenarioModel, texts: readonly string[]): Report =>
  evaluateText(scenarioText(model, texts)).report;

/** A scanner over the period table, its accounts listed in a random order (indices differ per scanner). */
const newScanner = (periods: PeriodTable, rng: () => number): ProbeScanner => {
  const ids = shuffled(rng, [...periods.keys()]);
  return new ProbeScanner(
    ids,
    ids.map((id) => periods.get(id) ?? new Float64Array()),
  );
};

/** ORs every page of the scanners into the facts, as scanProbeFiles does, and adds up their tallies. */
const mergeScanners = (scanners: readonly ProbeScanner[], facts: MinuteFacts): ScanSummary => {
  for (const scanner of scanners) {
    scanner.pages.forEach((byNo, index) => {
      for (const [pageNo, page] of byNo) facts.mergePage(scanner.accountIds[index] ?? '', pageNo, page);
    });
  }
  const sum = (pick: (s: ProbeScanner) => number): number => scanners.reduce((n, s) => n + pick(s), 0);
  return {
    ignoredProbes: sum((s) => s.tally.ignoredProbes),
    droppedFields: sum((s) => s.tally.droppedFields),
    probes: sum((s) => s.tally.probes),
    lines: sum((s) => s.tally.lines),
    slowLines: sum((s) => s.tally.slowLines),
    errorCount: sum((s) => s.tally.errorCount),
    errors: scanners.flatMap((s) => s.errors),
  };
};

const expectedIgnored = (model: ScenarioModel, copies: (i: number) => number = () => 1): number =>
  model.probes.reduce((n, p, i) => n + (oracleIgnored(model, p) ? copies(i) : 0), 0);

const expectedDropped = (model: ScenarioModel, copies: (i: number) => number = () => 1): number =>
  model.probes.reduce((n, p, i) => n + p.droppedFields * copies(i), 0);

const tmp = mkdtempSync(join(tmpdir(), 'sla-properties-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------

describe('verdicts do not depend on the order or duplication of probe results (R4)', () => {
  it('shuffled and duplicated results give the same service months; ignored and dropped counts scale with the copies', () => {
    const seen = { unavailable: 0, byWindow: 0, byCause: 0, ignored: 0, dropped: 0 };
    fc.assert(
      fc.property(
        scenarioArb(),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 30 }),
        fc.integer(),
        (model, copyList, seed) => {
          // arrange
          const copies = (i: number): number => copyList[i % copyList.length] ?? 1;
          const variant = shuffled(
            prng(seed),
            model.probes.flatMap((p, i) => Array.from({ length: copies(i) }, () => p.text)),
          );
          // act
          const base = reportOf(
            model,
            model.probes.map((p) => p.text),
          );
          const again = reportOf(model, variant);
          // assert
          expect(again.serviceMonths).toStrictEqual(base.serviceMonths);
          expect(again.claims).toStrictEqual(base.claims);
          expect(again.warnings).toStrictEqual(base.warnings);
          expect(base.ignoredProbes).toBe(expectedIgnored(model));
          expect(base.droppedFields).toBe(expectedDropped(model));
          expect(again.ignoredProbes).toBe(expectedIgnored(model, copies));
          expect(again.droppedFields).toBe(expectedDropped(model, copies));

          for (const m of base.serviceMonths) {
            if (m.unavailableMinutes > 0) seen.unavailable++;
            if (Object.keys(m.excludedBy).some((k) => !k.startsWith('cause:'))) seen.byWindow++;
            if (Object.keys(m.excludedBy).some((k) => k.startsWith('cause:'))) seen.byCause++;
          }
          if (base.ignoredProbes > 0) seen.ignored++;
          if (base.droppedFields > 0) seen.dropped++;
        },
      ),
      runs(120, 1),
    );
    // the generator reaches every kind of minute (a guard against a property that tests nothing)
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(5);
  });
});

describe('minute verdicts (R4, R5)', () => {
  it('unavailable, observed and excluded minutes agree with an independent minute-by-minute reading of the rules', () => {
    fc.assert(
      fc.property(scenarioArb(), (model) => {
        // act
        const report = reportOf(
          model,
          model.probes.map((p) => p.text),
        );
        // assert
        const oracle = oracleVerdicts(model);
        expect(report.serviceMonths).toHaveLength(oracle.size);
        for (const m of report.serviceMonths) {
          const { unavailableMinutes, observedMinutes, excludedMinutes, excludedBy } = m;
          expect({ unavailableMinutes, observedMinutes, excludedMinutes, excludedBy }).toStrictEqual(
            oracle.get(`${m.accountId}/${m.orderId}/${m.month}`),
          );
        }
      }),
      runs(300, 11),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const pick0 = (rng: () => number, items: readonly number[]): number | undefined =>
  items[Math.floor(rng() * items.length)];

const CHUNK_MODES: readonly ChunkMode[] = ['byte', 'tiny', 'small', 'utf8', 'whole'];

interface ScanSeen {
  slow: number;
  fast: number;
  multiPiece: number;
  cutInsideCharacter: number;
}

/**
 * The scenario path (every result inside the scenario) against the scanner path (some results in
 * the scenario, the rest as NDJSON): (a) pieces of whole lines, each its own scanner, pushed in
 * chunks; (b) a file cut at arbitrary byte offsets, read by scanPiece.
 */
const checkScannerPath = (model: ScenarioModel, seed: number, mode: ChunkMode, pieceCount: number, seen: ScanSeen) => {
  // arrange
  const rng = prng(seed);
  const texts = model.probes.map((p) => p.text);
  const inScenario: string[] = [];
  const inFile: string[] = [];
  for (const t of texts) (rng() < 0.3 ? inScenario : inFile).push(t);
  const file = ndjsonOf(inFile, rng);
  const bytes = Buffer.from(file.text, 'utf8');
  const lineStarts = [...bytes.keys()].filter((i) => i > 0 && bytes[i - 1] === 0x0a);
  const pieceCuts = [...new Set(Array.from({ length: pieceCount - 1 }, () => pick0(rng, lineStarts)))]
    .filter((c) => c !== undefined)
    .sort((a, b) => a - b);
  const linePieces = [0, ...pieceCuts].map((from, i) => bytes.subarray(from, pieceCuts[i] ?? bytes.length));

  // act
  const expected = reportOf(model, texts);
  const viaChunks = evaluateText(scenarioText(model, inScenario), (periods, facts) => {
    const scanners = linePieces.map((piece) => {
      const scanner = newScanner(periods, rng);
      for (const chunk of chunksOf(piece, chunkCuts(piece, mode, rng))) {
        scanner.push(rng() < 0.5 ? chunk : Uint8Array.from(chunk));
      }
      scanner.finish();
      return scanner;
    });
    return mergeScanners(shuffled(rng, scanners), facts);
  });
  const path = join(tmp, 'probes.ndjson');
  writeFileSync(path, bytes);
  const byteCuts = Array.from({ length: pieceCount + 1 }, () => Math.floor(rng() * (bytes.length + 1))).sort(
    (a, b) => a - b,
  );
  const viaPieces = evaluateText(scenarioText(model, inScenario), (periods, facts) => {
    const scanners = [0, ...byteCuts].map((start, order) => {
      const scanner = newScanner(periods, rng);
      scanPiece({ file: path, order, start, end: byteCuts[order] ?? bytes.length, size: bytes.length }, scanner);
      return scanner;
    });
    return mergeScanners(shuffled(rng, scanners), facts);
  });

  // assert
  expect(expected.ignoredProbes).toBe(expectedIgnored(model));
  expect(expected.droppedFields).toBe(expectedDropped(model));
  for (const via of [viaChunks, viaPieces]) {
    expect(via.scan.errors).toStrictEqual([]);
    expect(via.scan.errorCount).toBe(0);
    expect(via.scan.probes).toBe(inFile.length);
    expect(via.scan.lines).toBe(file.lines);
    expect(via.report).toStrictEqual(expected);
  }

  seen.slow += viaChunks.scan.slowLines > 0 ? 1 : 0;
  seen.fast += viaChunks.scan.slowLines < viaChunks.scan.probes ? 1 : 0;
  seen.multiPiece += linePieces.length > 1 ? 1 : 0;
  seen.cutInsideCharacter += mode === 'utf8' && bytes.some((b) => b >= 0x80) ? 1 : 0;
};

describe('NDJSON through the byte scanner gives the report of the scenario path (R4, R12)', () => {
  it('in any chunks (1 byte, cuts inside lines and UTF-8 characters) and pieces, with extra fields and any layout', () => {
    const seen: ScanSeen = { slow: 0, fast: 0, multiPiece: 0, cutInsideCharacter: 0 };
    fc.assert(
      fc.property(
        scenarioArb(),
        fc.integer(),
        fc.constantFrom(...CHUNK_MODES),
        fc.integer({ min: 1, max: 4 }),
        (model, seed, mode, pieceCount) => checkScannerPath(model, seed, mode, pieceCount, seen),
      ),
      runs(80, 2),
    );
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(5);
  });

  it('also when an extra field is written twice in a line (JSON.parse keeps one member per name)', () => {
    const seen: ScanSeen = { slow: 0, fast: 0, multiPiece: 0, cutInsideCharacter: 0 };
    fc.assert(
      fc.property(
        scenarioArb({ repeatedExtras: true, maxClusters: 2 }),
        fc.integer(),
        fc.constantFrom(...CHUNK_MODES),
        fc.integer({ min: 1, max: 4 }),
        (model, seed, mode, pieceCount) => checkScannerPath(model, seed, mode, pieceCount, seen),
      ),
      // a failure shrinks through many scans: bound the time it may take
      { ...runs(80, 3), plugins: [fc.interruptAfterTimeLimit(30_000)] },
    );
  });

  it('on damaged input too: every line is decided as JSON.parse + validateProbe decide it, one line at a time', () => {
    const seen = { accepted: 0, errors: 0, newlineInValue: 0 };
    fc.assert(
      fc.property(
        scenarioArb({ repeatedExtras: true, maxClusters: 2 }),
        fc.array(
          fc.record({
            line: fc.nat(),
            kind: fc.constantFrom('insert', 'delete', 'replace', 'whitespace-to-newline', 'newline-in-nested-value'),
            pos: fc.nat(),
            char: fc.constantFrom(...DAMAGE),
          }),
          { maxLength: 6 },
        ),
        fc.integer(),
        fc.constantFrom(...CHUNK_MODES),
        (model, edits, seed, mode) => {
          // arrange
          const rng = prng(seed);
          const lines = model.probes.map((p) => [...p.text]);
          for (const e of edits) {
            const chars = lines[e.line % Math.max(1, lines.length)];
            if (!chars) continue;
            if (e.kind === 'whitespace-to-newline' || e.kind === 'newline-in-nested-value') {
              const spaces = whitespaceOf(chars, e.kind === 'newline-in-nested-value' ? 2 : 0);
              const at = spaces[e.pos % Math.max(1, spaces.length)];
              if (at !== undefined) chars[at] = '\n';
              continue;
            }
            const at = e.pos % (chars.length + 1);
            chars.splice(at, e.kind === 'insert' ? 0 : 1, ...(e.kind === 'delete' ? [] : [e.char]));
          }
          const file = ndjsonOf(
            lines.map((c) => c.join('')),
            rng,
          );
          const bytes = Buffer.from(file.text, 'utf8');
          const periods = new Map(
            model.accounts.map((id) => [
              id,
              Float64Array.from(
                model.orders.filter((o) => o.accountId === id).flatMap((o) => [o.startMinute, o.endMinute]),
              ),
            ]),
          );
          // act
          const scanner = newScanner(periods, rng);
          for (const chunk of chunksOf(bytes, chunkCuts(bytes, mode, rng))) scanner.push(chunk);
          scanner.finish();
          // assert
          const expected = lineByLine(bytes, periods);
          expect({
            lines: scanner.tally.lines,
            probes: scanner.tally.probes,
            errorCount: scanner.tally.errorCount,
            errors: scanner.errors.map(syntaxAsOne),
            droppedFields: scanner.tally.droppedFields,
            ignoredProbes: scanner.tally.ignoredProbes,
            observed: observedOf(scanner),
          }).toStrictEqual(expected);

          seen.accepted += expected.observed.length > 0 ? 1 : 0;
          seen.errors += expected.errorCount > 0 ? 1 : 0;
          seen.newlineInValue += edits.some((e) => e.kind === 'newline-in-nested-value') ? 1 : 0;
        },
      ),
      { ...runs(150, 10), plugins: [fc.interruptAfterTimeLimit(30_000)] },
    );
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(10);
  });
});

/** A JSON syntax error is one problem whatever JSON.parse's wording (the scanner shortens it: R12). */
const syntaxAsOne = (e: LineError): LineError =>
  e.field === '' && e.message.startsWith('malformed JSON (') ? { ...e, message: 'malformed JSON' } : e;

/** Characters a damaged line may gain: structure, quotes, escapes, a newline, a NUL, a multi-byte one. */
const DAMAGE = [
  '\n',
  '\r',
  ' ',
  '\t',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '0',
  '-',
  'e',
  '.',
  't',
  'x',
  'é',
  '\u0000',
];

/** Positions of the whitespace outside strings at a bracket depth of at least `depth` (the line's object is 1). */
const whitespaceOf = (chars: readonly string[], depth: number): number[] => {
  const out: number[] = [];
  let level = 0;
  let inString = false;
  let escaped = false;
  chars.forEach((c, i) => {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      return;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') level++;
    else if (c === '}' || c === ']') level--;
    else if ((c === ' ' || c === '\t' || c === '\r') && level >= depth) out.push(i);
  });
  return out;
};

/** Account, epoch minute and state bits of every observed minute of a scanner, sorted. */
const observedOf = (scanner: ProbeScanner): string[] => {
  const out: string[] = [];
  scanner.pages.forEach((byNo, index) => {
    for (const [pageNo, page] of byNo) {
      page.forEach((state, i) => {
        if (state !== 0) out.push(`${scanner.accountIds[index]}@${pageNo * 1440 + i}=${state}`);
      });
    }
  });
  return out.sort();
};

/**
 * NDJSON read the plain way: split the bytes at each newline, decode each line as UTF-8, skip a
 * blank one, JSON.parse the rest, count its dropped fields and validate it as a scenario probe
 * (R4, R12).
 */
const lineByLine = (bytes: Buffer, periods: ReadonlyMap<string, Float64Array>) => {
  const segments: Buffer[] = [];
  for (let from = 0; from <= bytes.length; ) {
    const nl = bytes.indexOf(0x0a, from);
    const to = nl < 0 ? bytes.length : nl;
    segments.push(bytes.subarray(from, to));
    from = to + 1;
  }
  if (segments.at(-1)?.length === 0) segments.pop();
  const errors: LineError[] = [];
  const states = new Map<string, number>();
  let probes = 0;
  let errorCount = 0;
  let droppedFields = 0;
  let ignoredProbes = 0;
  segments.forEach((segment, i) => {
    const text = segment.toString('utf8');
    if (/^[ \t\r]*$/.test(text)) return;
    probes++;
    const problems: LineError[] = [];
    try {
      const value: unknown = JSON.parse(text);
      // R12: every field but the kept five is dropped and counted, whether the record is accepted or not
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        droppedFields += Object.keys(value).filter((key) => !KNOWN_FIELDS.has(key)).length;
      }
      const fact = validateProbe(value);
      if (Array.isArray(fact)) {
        for (const p of fact) problems.push({ line: i + 1, field: p.field, message: p.message });
      } else {
        const own = periods.get(fact.accountId) ?? new Float64Array();
        let inside = false;
        for (let k = 0; k < own.length; k += 2) {
          if (fact.minute >= (own[k] ?? 0) && fact.minute < (own[k + 1] ?? 0)) inside = true;
        }
        if (!inside) ignoredProbes++;
        else {
          const key = `${fact.accountId}@${fact.minute}`;
          states.set(key, (states.get(key) ?? 0) | fact.bits);
        }
      }
    } catch (e) {
      problems.push({ line: i + 1, field: '', message: `malformed JSON (${(e as Error).message})` });
    }
    errorCount += problems.length;
    errors.push(...problems);
  });
  return {
    lines: segments.length,
    probes,
    errorCount,
    errors: errors.slice(0, MAX_KEPT_ERRORS).map(syntaxAsOne),
    droppedFields,
    ignoredProbes,
    observed: [...states].map(([key, state]) => `${key}=${state}`).sort(),
  };
};

// ---------------------------------------------------------------------------------------------

describe('fee parts add up to cashPaid (R7)', () => {
  it('allocateByLargestRemainder: parts sum to the total, each within 1 of its exact share, +1 to the largest remainders, ties earlier', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 99_999_999_999_999 })),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 1_000_000 })), {
          minLength: 1,
          maxLength: 130,
        }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          // act
          const parts = allocateByLargestRemainder(total, weights);
          // assert
          const W = BigInt(weights.reduce((a, b) => a + b, 0));
          const T = BigInt(total);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((a, b) => a + BigInt(b), 0n)).toBe(T);
          const bumped: boolean[] = [];
          const remainders: bigint[] = [];
          weights.forEach((w, i) => {
            const part = parts[i] ?? Number.NaN;
            expect(Number.isSafeInteger(part)).toBe(true);
            const error = BigInt(part) * W - T * BigInt(w); // part − exact share, times W
            expect(error > -W && error < W).toBe(true);
            const floor = (T * BigInt(w)) / W;
            expect(BigInt(part) === floor || BigInt(part) === floor + 1n).toBe(true);
            bumped.push(BigInt(part) === floor + 1n);
            remainders.push((T * BigInt(w)) % W);
          });
          // every part that got the extra fen has a larger remainder than every part that did not, or an equal one earlier
          remainders.forEach((ri, i) => {
            if (!bumped[i]) return;
            remainders.forEach((rj, j) => {
              if (bumped[j]) return;
              expect(ri > rj || (ri === rj && i < j)).toBe(true);
            });
          });
        },
      ),
      runs(400, 4),
    );
  });

  it('the fees of an order’s service months add up to cashPaid, each in proportion to its days', () => {
    const calendar = new BusinessCalendar();
    fc.assert(
      fc.property(
        fc.integer({ min: 1999, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.oneof(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 120 })),
        cashFenArb,
        fc.constantFrom(...ZONES),
        (year, month, day, months, cashPaidFen, zone) => {
          // arrange
          const startDate = isoDay(epochDay(year, month, Math.min(day, daysInMonthOracle(year, month))));
          const order = { accountId: 'acc-1', orderId: 'o-1', startDate, months, cashPaidFen: Number(cashPaidFen) };
          const oracle = oracleServiceMonths(startDate, months, zone.offsetMinutes);
          // act
          const serviceMonths = serviceMonthsOf(order, zone.name);
          const evaluated = evaluateOrder(order, zone.name, new MinuteFacts(), [], calendar);
          // assert
          expect(
            serviceMonths.map(({ month, firstDay, lastDay, days, totalMinutes, startMinute, endMinute }) => ({
              month,
              firstDay,
              lastDay,
              days,
              totalMinutes,
              startMinute,
              endMinute,
            })),
          ).toStrictEqual(oracle);
          const totalDays = BigInt(oracle.reduce((n, m) => n + m.days, 0));
          expect(evaluated.reduce((n, m) => n + BigInt(m.feeFen), 0n)).toBe(cashPaidFen);
          evaluated.forEach((m, i) => {
            const days = BigInt(oracle[i]?.days ?? 0);
            const error = BigInt(m.feeFen) * totalDays - cashPaidFen * days;
            expect(error > -totalDays && error < totalDays).toBe(true);
            expect(fenOf(m.report.fee)).toBe(BigInt(m.feeFen));
          });
        },
      ),
      runs(200, 5),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('vouchers and tiers (R6, R7)', () => {
  it('a voucher is the fee times the percent rounded half up, never more than the fee, for every percent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 99_999_999_999_999 })), (fee) => {
        for (const percent of [0, 10, 25, 100] as const) {
          const voucher = voucherFor(fee, percent);
          expect(Number.isSafeInteger(voucher)).toBe(true);
          expect(voucher).toBeLessThanOrEqual(fee);
          expect(BigInt(voucher)).toBe(roundHalfUp(BigInt(fee) * BigInt(percent), 100n));
        }
      }),
      runs(1000, 6),
    );
  });

  it('compensationPercent and availabilityPercent agree with the rational availability (T−U)/T', () => {
    const near = (total: number, divisor: number) =>
      fc.integer({ min: -3, max: 3 }).map((d) => Math.floor(total / divisor) + d);
    fc.assert(
      fc.property(
        // 25 days: T/1000 is whole; multiples of 5: T/100 is whole; T/20 always is
        fc
          .oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(25, 5, 10, 20, 28, 29, 30, 31))
          .chain((days) =>
            fc.tuple(
              fc.constant(days * 1440),
              fc.oneof(
                fc.nat(days * 1440),
                near(days * 1440, 1000),
                near(days * 1440, 100),
                near(days * 1440, 20),
                fc.constantFrom(0, days * 1440),
              ),
            ),
          )
          .map(([total, u]) => [total, Math.min(total, Math.max(0, u))] as const),
        ([total, unavailable]) => {
          // act
          const percent = compensationPercent(unavailable, total);
          const shown = availabilityPercent(unavailable, total);
          // assert
          expect(percent).toBe(oracleCompensation(unavailable, total));
          const m = /^(\d{1,3})\.(\d{6})$/.exec(shown);
          expect(m).not.toBeNull();
          const scaled = BigInt(m?.[1] ?? '') * 1_000_000n + BigInt(m?.[2] ?? ''); // availability × 10⁸, truncated
          const exact = 100_000_000n * BigInt(total - unavailable);
          expect(scaled * BigInt(total) <= exact && exact < (scaled + 1n) * BigInt(total)).toBe(true);
          // a miss never prints as 99.900000 or more, a met commitment never below
          expect(scaled >= 99_900_000n).toBe(percent === 0);
        },
      ),
      runs(1500, 7),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('liability cap (R8)', () => {
  it('for every account and 12 consecutive calendar months, vouchers ≤ the fees of those service months', () => {
    const seen: Record<number, number> = { 10: 0, 25: 0, 100: 0 };
    fc.assert(
      fc.property(scenarioArb({ heavy: true, maxClusters: 2 }), (model) => {
        // act
        const report = reportOf(
          model,
          model.probes.map((p) => p.text),
        );
        // assert: the months are the orders' service months, each order's fees add up to its cash
        const oracleMonths = model.orders.flatMap((o) =>
          oracleServiceMonths(o.startDate, o.months, model.zone.offsetMinutes).map((m) => ({ o, m })),
        );
        expect(report.serviceMonths).toHaveLength(oracleMonths.length);
        for (const o of model.orders) {
          const fees = report.serviceMonths
            .filter((m) => m.accountId === o.accountId && m.orderId === o.orderId)
            .reduce((n, m) => n + fenOf(m.fee), 0n);
          expect(fees).toBe(o.cashPaidFen);
        }
        for (const m of report.serviceMonths) {
          expect(m.compensationPercent).toBe(oracleCompensation(m.unavailableMinutes, m.totalMinutes));
          expect(fenOf(m.voucher)).toBe(roundHalfUp(fenOf(m.fee) * BigInt(m.compensationPercent), 100n));
          seen[m.compensationPercent] = (seen[m.compensationPercent] ?? 0) + 1;
        }
        // R8 over every window of 12 calendar months that meets an account's service months
        for (const accountId of model.accounts) {
          const months = report.serviceMonths
            .filter((m) => m.accountId === accountId)
            .map((m) => ({
              index: Number(m.month.slice(0, 4)) * 12 + Number(m.month.slice(5, 7)) - 1,
              fee: fenOf(m.fee),
              voucher: fenOf(m.voucher),
            }));
          if (months.length === 0) continue;
          const first = Math.min(...months.map((m) => m.index));
          const last = Math.max(...months.map((m) => m.index));
          for (let from = first - 11; from <= last; from++) {
            const inWindow = months.filter((m) => m.index >= from && m.index < from + 12);
            const vouchers = inWindow.reduce((n, m) => n + m.voucher, 0n);
            const fees = inWindow.reduce((n, m) => n + m.fee, 0n);
            expect(vouchers <= fees).toBe(true);
          }
        }
      }),
      runs(60, 8),
    );
    expect(Math.min(seen[10] ?? 0, seen[25] ?? 0, seen[100] ?? 0)).toBeGreaterThan(3);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the scanner’s fast instant decoder agrees with parseInstant (R1)', () => {
  const OBSERVED_EVERYWHERE = Float64Array.of(-1e12, 1e12);
  const NON_STRINGS = ['null', '1749517205', 'true', '{"at":"2026-06-10T09:00:05+08:00"}', '["2026-06-10T09:00Z"]'];

  it('valid timestamps give the same epoch minute on the fast path, invalid ones the same rejection on the slow path', () => {
    const seen = { valid: 0, invalid: 0, escaped: 0, nonString: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          { arbitrary: timestampTextArb.map((text) => ({ text, escapeAt: -1 })), weight: 8 },
          {
            arbitrary: fc.tuple(timestampTextArb, fc.nat(30)).map(([text, escapeAt]) => ({ text, escapeAt })),
            weight: 1,
          },
          { arbitrary: fc.constantFrom(...NON_STRINGS).map((json) => ({ json })), weight: 1 },
        ),
        fc.nat(3),
        fc.boolean(),
        (at, position, ok) => {
          // arrange
          const atJson = 'json' in at ? at.json : plainJsonString(at.text, at.escapeAt);
          const escaped = atJson.includes('\\u');
          const value: unknown = JSON.parse(atJson);
          const members = ['"accountId":"acc-1"', '"function":"publish"', `"ok":${ok}`];
          members.splice(position, 0, `"at":${atJson}`);
          const scanner = new ProbeScanner(['acc-1'], [OBSERVED_EVERYWHERE]);
          // act
          scanner.push(Buffer.from(`{${members.join(',')}}\n`, 'utf8'));
          scanner.finish();
          const parsed = parseInstant(value);
          // assert
          const minute = oracleInstantMinute(value);
          const observed: number[] = [];
          for (const [pageNo, page] of scanner.pages[0] ?? new Map<number, Uint16Array>()) {
            page.forEach((state, i) => {
              if (state !== 0) observed.push(pageNo * 1440 + i);
            });
          }
          if (minute === null) {
            expect(typeof parsed).toBe('string');
            expect(scanner.tally.slowLines).toBe(1);
            expect(scanner.tally.errorCount).toBe(1);
            expect(scanner.errors).toStrictEqual([{ line: 1, field: 'at', message: parsed }]);
            expect(observed).toStrictEqual([]);
            seen.invalid++;
          } else {
            expect(typeof parsed === 'string' ? parsed : minuteOf(parsed)).toBe(minute);
            expect(scanner.tally.errorCount).toBe(0);
            expect(scanner.tally.slowLines).toBe(escaped ? 1 : 0);
            expect(observed).toStrictEqual([minute]);
            seen.valid++;
          }
          if (escaped) seen.escaped++;
          if (typeof value !== 'string') seen.nonString++;
        },
      ),
      runs(4000, 9),
    );
    expect(seen.valid).toBeGreaterThan(1000);
    expect(seen.invalid).toBeGreaterThan(1000);
    expect(Math.min(seen.escaped, seen.nonString)).toBeGreaterThan(50);
  });
});
