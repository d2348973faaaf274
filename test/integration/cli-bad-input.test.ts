// Bad input to `sla evaluate` (contracts/README.md): exit 2, nothing on stdout, and on stderr one
// `error: <path>: <what is wrong>` line per problem, at most 20 of them then a count of the rest.
// Any other failure: exit 1, one line, never a stack trace without --debug.
//
// The bulk runs in-process through `main(argv, io)`; a representative subset, the worker-thread
// scan of a large file and a broken stdout pipe run the real bundled CLI.

import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, sla, tempDir, writeJson } from '../support/cli.ts';
import { slaAsync } from '../support/cli-async.ts';
import { slaIntoClosedPipe } from '../support/cli-pipe.ts';
import { linesOf, type MainRun, runMain, STACK_TRACE } from '../support/run-main.ts';
import { sfnEnvironment, startSfnStub, useEnvironment } from '../support/sfn-stub.ts';

// ---------------------------------------------------------------------------------------------
// A valid scenario, and builders that change one thing in it

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ORDER: JsonObject = {
  accountId: 'acc-1',
  orderId: 'ord-1',
  startDate: '2026-06-01',
  months: 1,
  cashPaid: '300.00',
};
const order = (over: JsonObject = {}): JsonObject => ({ ...ORDER, ...over });
const probe = (over: JsonObject = {}): JsonObject => ({
  accountId: 'acc-1',
  function: 'publish',
  at: '2026-06-10T09:00:05+08:00',
  ok: false,
  cause: 'platform',
  ...over,
});
const maintenance = (over: JsonObject = {}): JsonObject => ({
  id: 'mw-1',
  announcedAt: '2026-06-01T00:00:00+08:00',
  start: '2026-06-12T01:00:00+08:00',
  end: '2026-06-12T03:00:00+08:00',
  ...over,
});
const exclusion = (over: JsonObject = {}): JsonObject => ({
  id: 'ex-1',
  clause: '4.2',
  start: '2026-06-13T01:00:00+08:00',
  end: '2026-06-13T02:00:00+08:00',
  reason: 'carrier fibre cut outside Tencent Cloud',
  ...over,
});
const claim = (over: JsonObject = {}): JsonObject => ({
  accountId: 'acc-1',
  orderId: 'ord-1',
  month: '2026-06',
  filedAt: '2026-07-10T10:00:00+08:00',
  channel: 'ticket',
  ...over,
});
const scenario = (over: JsonObject = {}): JsonObject => ({
  orders: [order()],
  probes: [probe(), probe({ at: '2026-06-10T09:01:05+08:00', ok: true })],
  maintenance: [maintenance()],
  exclusions: [exclusion()],
  claims: [claim()],
  ...over,
});
const without = (value: JsonObject, key: string): JsonObject => {
  const copy = { ...value };
  delete copy[key];
  return copy;
};
const probeLine = (over: JsonObject = {}): string => JSON.stringify(probe(over));

// ---------------------------------------------------------------------------------------------
// What every bad-input run must look like

/** Exit 2, nothing on stdout, only `error: ` lines on stderr (at most 20 and a count). */
const expectBadInput = (run: MainRun | CliRun): string[] => {
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.stdout).toBe('');
  expect(run.status).toBe(2);
  const lines = linesOf(run.stderr);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(21);
  for (const line of lines) expect(line).toMatch(/^error: \S/);
  return lines;
};

/** The problem line of `path`, checked against `problem`. */
const expectProblem = (lines: readonly string[], path: string, problem: RegExp): void => {
  const prefix = `error: ${path}: `;
  const line = lines.find((l) => l.startsWith(prefix));
  expect(line, `a line "${prefix}…" in:\n${lines.join('\n')}`).toBeDefined();
  expect(line?.slice(prefix.length)).toMatch(problem);
};

interface BadScenario {
  readonly name: string;
  /** the scenario, or its raw text */
  readonly input: JsonObject | string;
  /** [path, problem] pairs that must all be reported */
  readonly problems: readonly (readonly [string, RegExp])[];
}

const NO_OFFSET = /no offset/;
const ONE_OF = /must be one of/;
const AFTER_START = /must be after start/;

const badScenarios: readonly BadScenario[] = [
  // a timestamp without offset, wherever timestamps are
  {
    name: 'probes[i].at without offset',
    input: scenario({ probes: [probe(), probe(), probe({ at: '2026-06-10T09:00:05' })] }),
    problems: [['probes[2].at', NO_OFFSET]],
  },
  {
    name: 'probes[i].at without offset, minutes only',
    input: scenario({ probes: [probe({ at: '2026-06-10T09:00' })] }),
    problems: [['probes[0].at', NO_OFFSET]],
  },
  {
    name: 'probes[i].at without offset, with a fraction',
    input: scenario({ probes: [probe({ at: '2026-06-10T09:00:05.123456789' })] }),
    problems: [['probes[0].at', NO_OFFSET]],
  },
  {
    name: 'maintenance announcedAt without offset',
    input: scenario({ maintenance: [maintenance({ announcedAt: '2026-06-01T00:00:00' })] }),
    problems: [['maintenance[0].announcedAt', NO_OFFSET]],
  },
  {
    name: 'maintenance start and end without offset',
    input: scenario({
      maintenance: [maintenance(), maintenance({ id: 'mw-2', start: '2026-06-14T01:00', end: '2026-06-14T02:00:00' })],
    }),
    problems: [
      ['maintenance[1].start', NO_OFFSET],
      ['maintenance[1].end', NO_OFFSET],
    ],
  },
  {
    name: 'exclusion start without offset',
    input: scenario({ exclusions: [exclusion({ start: '2026-06-13T01:00:00' })] }),
    problems: [['exclusions[0].start', NO_OFFSET]],
  },
  {
    name: 'exclusion end without offset',
    input: scenario({ exclusions: [exclusion(), exclusion({ id: 'ex-2', end: '2026-06-13T02:00:00' })] }),
    problems: [['exclusions[1].end', NO_OFFSET]],
  },
  {
    name: 'claims filedAt without offset',
    input: scenario({ claims: [claim(), claim({ filedAt: '2026-07-10T10:00:00' })] }),
    problems: [['claims[1].filedAt', NO_OFFSET]],
  },
  // unknown cause or function
  {
    name: 'an unknown cause',
    input: scenario({ probes: [probe(), probe({ cause: 'power' })] }),
    problems: [['probes[1].cause', ONE_OF]],
  },
  {
    name: 'a cause of the wrong case',
    input: scenario({ probes: [probe({ cause: 'Platform' })] }),
    problems: [['probes[0].cause', ONE_OF]],
  },
  {
    name: 'an unknown function',
    input: scenario({ probes: [probe({ function: 'upload' })] }),
    problems: [['probes[0].function', ONE_OF]],
  },
  {
    name: 'a probe without function',
    input: scenario({ probes: [without(probe(), 'function')] }),
    problems: [['probes[0].function', /is required/]],
  },
  // months < 1, non-integer months
  {
    name: 'months 0',
    input: scenario({ orders: [order({ months: 0 })] }),
    problems: [['orders[0].months', /at least 1/]],
  },
  {
    name: 'months -1',
    input: scenario({ orders: [order({ months: -1 })] }),
    problems: [['orders[0].months', /at least 1/]],
  },
  {
    name: 'months 1.5',
    input: scenario({ orders: [order({ months: 1.5 })] }),
    problems: [['orders[0].months', /whole number/]],
  },
  {
    name: 'months 0.5 (below 1 and not whole)',
    input: scenario({ orders: [order(), order({ accountId: 'acc-2', months: 0.5 })] }),
    problems: [['orders[1].months', /whole number|at least 1/]],
  },
  {
    name: 'months as a string',
    input: scenario({ orders: [order({ months: '1' })] }),
    problems: [['orders[0].months', /number/]],
  },
  // cashPaid with three decimals
  {
    name: 'cashPaid with three decimals',
    input: scenario({ orders: [order({ cashPaid: '300.001' })] }),
    problems: [['orders[0].cashPaid', /more than 2 decimal places/]],
  },
  {
    name: 'cashPaid with three decimals on a second order',
    input: scenario({ orders: [order(), order({ accountId: 'acc-2', cashPaid: '0.125' })] }),
    problems: [['orders[1].cashPaid', /more than 2 decimal places/]],
  },
  // malformed JSON
  { name: 'malformed JSON: cut short', input: '{"orders": [', problems: [['FILE', /malformed JSON/]] },
  { name: 'malformed JSON: trailing comma', input: '{"orders": [],}', problems: [['FILE', /malformed JSON/]] },
  { name: 'malformed JSON: empty file', input: '', problems: [['FILE', /malformed JSON/]] },
  { name: 'malformed JSON: NaN', input: '{"orders": [], "x": NaN}', problems: [['FILE', /malformed JSON/]] },
  // overlapping orders of one account; one order twice
  {
    name: 'overlapping orders of one account',
    input: scenario({ orders: [order({ months: 2 }), order({ orderId: 'ord-2', startDate: '2026-07-15' })] }),
    problems: [['orders[1]', /overlaps orders\[0\]/]],
  },
  {
    name: 'overlapping orders listed late-first',
    input: scenario({
      orders: [order({ orderId: 'ord-2', startDate: '2026-06-20' }), order({ startDate: '2026-06-01', months: 1 })],
    }),
    problems: [['orders[1]', /overlaps orders\[0\]/]],
  },
  {
    name: 'the same orderId twice (periods apart)',
    input: scenario({ orders: [order(), order({ startDate: '2027-01-01' })] }),
    problems: [['orders[1].orderId', /repeats orders\[0\]/]],
  },
  // exclusions: unknown clause, no or empty reason
  {
    name: 'an exclusion under clause 4.1 (maintenance has its own list)',
    input: scenario({ exclusions: [exclusion({ clause: '4.1' })] }),
    problems: [['exclusions[0].clause', ONE_OF]],
  },
  {
    name: 'an exclusion under clause 4.10',
    input: scenario({ exclusions: [exclusion(), exclusion({ id: 'ex-2', clause: '4.10' })] }),
    problems: [['exclusions[1].clause', ONE_OF]],
  },
  {
    name: 'an exclusion clause given as a number',
    input: scenario({ exclusions: [exclusion({ clause: 4.2 })] }),
    problems: [['exclusions[0].clause', ONE_OF]],
  },
  {
    name: 'an exclusion without reason',
    input: scenario({ exclusions: [without(exclusion(), 'reason')] }),
    problems: [['exclusions[0].reason', /is required/]],
  },
  {
    name: 'an exclusion with an empty reason',
    input: scenario({ exclusions: [exclusion({ reason: '' })] }),
    problems: [['exclusions[0].reason', /must not be empty/]],
  },
  {
    name: 'an exclusion with a blank reason',
    input: scenario({ exclusions: [exclusion({ reason: ' \t ' })] }),
    problems: [['exclusions[0].reason', /must not be empty/]],
  },
  // end not after start
  {
    name: 'maintenance end equal to start',
    input: scenario({ maintenance: [maintenance({ end: '2026-06-12T01:00:00+08:00' })] }),
    problems: [['maintenance[0].end', AFTER_START]],
  },
  {
    name: 'exclusion end equal to start, written in another offset',
    input: scenario({ exclusions: [exclusion({ start: '2026-06-13T01:00:00+08:00', end: '2026-06-12T17:00Z' })] }),
    problems: [['exclusions[0].end', AFTER_START]],
  },
  {
    name: 'maintenance end before start',
    input: scenario({ maintenance: [maintenance(), maintenance({ id: 'mw-2', end: '2026-06-12T00:59:59+08:00' })] }),
    problems: [['maintenance[1].end', AFTER_START]],
  },
  {
    name: 'exclusion end one nanosecond before start',
    input: scenario({
      exclusions: [exclusion({ start: '2026-06-13T01:00:00.000000001+08:00', end: '2026-06-13T01:00:00+08:00' })],
    }),
    problems: [['exclusions[0].end', AFTER_START]],
  },
  // unknown fields
  {
    name: 'an unknown top-level field',
    input: scenario({ orderz: [] }),
    problems: [['orderz', /is not a known field/]],
  },
  {
    name: 'an unknown field in an order',
    input: scenario({ orders: [order({ currencyCode: 'CNY' })] }),
    problems: [['orders[0].currencyCode', /is not a known field/]],
  },
  {
    name: 'an unknown field in the policy',
    input: scenario({ policy: { timezone: 'UTC' } }),
    problems: [['policy.timezone', /is not a known field/]],
  },
  // invalid calendar dates
  {
    name: 'startDate 2026-02-30',
    input: scenario({ orders: [order({ startDate: '2026-02-30' })] }),
    problems: [['orders[0].startDate', /not a calendar date/]],
  },
  {
    name: 'a probe at 2026-02-30',
    input: scenario({ probes: [probe({ at: '2026-02-30T10:00:00+08:00' })] }),
    problems: [['probes[0].at', /not a calendar date/]],
  },
  {
    name: 'a holiday 2026-02-30',
    input: scenario({ calendar: { holidays: ['2026-02-28', '2026-02-30'] } }),
    problems: [['calendar.holidays[1]', /not a calendar date/]],
  },
  {
    name: 'startDate 2025-02-29 (not a leap year)',
    input: scenario({ orders: [order({ startDate: '2025-02-29' })] }),
    problems: [['orders[0].startDate', /not a calendar date/]],
  },
  // invalid time zones
  {
    name: 'time zone Asia/Beijing',
    input: scenario({ policy: { timeZone: 'Asia/Beijing' } }),
    problems: [['policy.timeZone', /not an IANA time zone/]],
  },
  {
    name: 'time zone Mars/Olympus_Mons',
    input: scenario({ policy: { timeZone: 'Mars/Olympus_Mons' } }),
    problems: [['policy.timeZone', /not an IANA time zone/]],
  },
  // several at once: each reported
  {
    name: 'several problems in one scenario',
    input: scenario({
      orders: [order({ months: 0, cashPaid: '1.999' }), order({ accountId: 'acc-2', startDate: '2026-02-30' })],
      probes: [probe({ at: '2026-06-10T09:00:05', cause: 'power', function: 'upload' })],
      claims: [claim({ filedAt: '2026-07-10' })],
      colour: 'blue',
    }),
    problems: [
      ['orders[0].months', /at least 1/],
      ['orders[0].cashPaid', /more than 2 decimal places/],
      ['orders[1].startDate', /not a calendar date/],
      ['probes[0].at', NO_OFFSET],
      ['probes[0].cause', ONE_OF],
      ['probes[0].function', ONE_OF],
      ['claims[0].filedAt', /timestamp/],
      ['colour', /is not a known field/],
    ],
  },
];

describe('sla evaluate: the valid baseline the bad cases start from', () => {
  it('evaluates the base scenario (exit 0), extra probe fields being dropped, not errors', async () => {
    // arrange
    const dir = tempDir();
    const file = writeJson(
      dir,
      'base.json',
      scenario({
        orders: [order(), order({ orderId: 'ord-2', startDate: '2026-07-01' })],
        probes: [probe({ deviceModel: 'X1', idfa: 'abc' })],
      }),
    );
    // act
    const run = await runMain(['evaluate', '--input', file]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ droppedFields: 2, ignoredProbes: 0 });
  });
});

describe('sla evaluate: bad scenarios (in-process)', () => {
  const dir = tempDir();

  it.each(badScenarios.map((c, i) => ({ ...c, i })))('$name', async ({ input, problems, i }) => {
    // arrange
    const file = writeJson(dir, `case-${i}.json`, input);
    // act
    const run = await runMain(['evaluate', '--input', file]);
    // assert
    const lines = expectBadInput(run);
    for (const [path, problem] of problems) expectProblem(lines, path === 'FILE' ? file : path, problem);
  });

  it('reports a scenario read from stdin under the path "-"', async () => {
    // act
    const run = await runMain(['evaluate', '--input', '-'], { stdin: '{"orders": [' });
    // assert
    expectProblem(expectBadInput(run), '-', /malformed JSON/);
  });

  it('keeps one problem to one line when an unknown field name holds a line break', async () => {
    // arrange
    const file = writeJson(dir, 'newline-key.json', { ...scenario(), 'note\nto self': 1, 'a\r\nb': 2 });
    // act
    const run = await runMain(['evaluate', '--input', file]);
    // assert: two problems, two lines, each `error: <path>: …`
    const lines = expectBadInput(run);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^error: .+: is not a known field$/);
  });
});

describe('sla evaluate: bad files and bad NDJSON (in-process)', () => {
  const dir = tempDir();
  const input = writeJson(dir, 'scenario.json', scenario());

  it('a missing --input file', async () => {
    // arrange
    const missing = join(dir, 'no-such-scenario.json');
    // act
    const run = await runMain(['evaluate', '--input', missing]);
    // assert
    expectProblem(expectBadInput(run), missing, /cannot be read/);
  });

  it('a directory as --input', async () => {
    // act
    const run = await runMain(['evaluate', '--input', dir]);
    // assert
    expectProblem(expectBadInput(run), dir, /cannot be read|directory/);
  });

  it('a missing --probes file', async () => {
    // arrange
    const missing = join(dir, 'no-such-probes.ndjson');
    // act
    const run = await runMain(['evaluate', '--input', input, '--probes', missing]);
    // assert
    expectProblem(expectBadInput(run), missing, /cannot be read/);
  });

  it('a directory as --probes', async () => {
    // arrange
    const folder = join(dir, 'probes.d');
    mkdirSync(folder);
    // act
    const run = await runMain(['evaluate', '--input', input, '--probes', folder]);
    // assert
    expectProblem(expectBadInput(run), folder, /directory/);
  });

  it('names FILE:LINE and FILE:LINE.field for every bad line, blank and CRLF lines counted', async () => {
    // arrange
    const file = join(dir, 'mixed.ndjson');
    const lines = [
      probeLine(), // 1
      '{"accountId": "acc-1", "function": "publish",', // 2 malformed
      probeLine({ at: '2026-06-10T09:00:05' }), // 3 no offset
      '', // 4 blank
      probeLine({ cause: 'power' }), // 5 unknown cause
      '[1, 2, 3]', // 6 not an object
      `${probeLine({ at: '2026-06-10T09:02:00' })}\r`, // 7 no offset, CRLF
      '   ', // 8 blank
      probeLine({ function: 'upload' }), // 9 unknown function
      probeLine({ at: '2026-02-30T10:00:00+08:00' }), // 10 not a date
      '{"accountId":"acc-1","function":"publish","at":"2026-06-10T09:00:05+08:00","ok":true', // 11 cut short
    ];
    writeFileSync(file, lines.join('\n'));
    // act
    const run = await runMain(['evaluate', '--input', input, '--probes', file]);
    // assert
    const out = expectBadInput(run);
    expect(out.map((l) => l.split(': ')[1])).toEqual([
      `${file}:2`,
      `${file}:3.at`,
      `${file}:5.cause`,
      `${file}:6`,
      `${file}:7.at`,
      `${file}:9.function`,
      `${file}:10.at`,
      `${file}:11`,
    ]);
    expectProblem(out, `${file}:2`, /malformed JSON/);
    expectProblem(out, `${file}:3.at`, NO_OFFSET);
    expectProblem(out, `${file}:5.cause`, ONE_OF);
    expectProblem(out, `${file}:6`, /object/);
    expectProblem(out, `${file}:7.at`, NO_OFFSET);
    expectProblem(out, `${file}:9.function`, ONE_OF);
    expectProblem(out, `${file}:10.at`, /not a calendar date/);
    expectProblem(out, `${file}:11`, /malformed JSON/);
  });

  it('lists 20 of 57 bad NDJSON lines, in line order, then "… and 37 more problems"', async () => {
    // arrange: good and bad lines alternate, the bad ones on even lines 2..114
    const file = join(dir, 'many-bad.ndjson');
    const lines: string[] = [];
    for (let n = 0; n < 57; n++)
      lines.push(probeLine(), probeLine({ at: `2026-06-10T10:${String(n).padStart(2, '0')}` }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    // act
    const run = await runMain(['evaluate', '--input', input, '--probes', file]);
    // assert
    const out = expectBadInput(run);
    expect(out).toHaveLength(21);
    out.slice(0, 20).forEach((line, k) => {
      expect(line.startsWith(`error: ${file}:${2 * (k + 1)}.at: `)).toBe(true);
    });
    expect(out[20]).toBe('error: … and 37 more problems');
  });

  it('lists 20 of 25 bad scenario probes then "… and 5 more problems"', async () => {
    // arrange
    const probes = Array.from({ length: 25 }, (_, n) => probe({ at: `2026-06-10T11:${String(n).padStart(2, '0')}` }));
    const file = writeJson(dir, 'many-bad.json', scenario({ probes }));
    // act
    const run = await runMain(['evaluate', '--input', file]);
    // assert
    const out = expectBadInput(run);
    expect(out).toHaveLength(21);
    out.slice(0, 20).forEach((line, k) => {
      expect(line.startsWith(`error: probes[${k}].at: `)).toBe(true);
    });
    expect(out[20]).toBe('error: … and 5 more problems');
  });

  it('prints exactly 20 problems with no count line, and 21 with "… and 1 more problem"', async () => {
    // arrange
    const twenty = join(dir, 'twenty.ndjson');
    const twentyOne = join(dir, 'twenty-one.ndjson');
    const bad = (n: number) => Array.from({ length: n }, () => probeLine({ ok: 'yes' })).join('\n');
    writeFileSync(twenty, bad(20));
    writeFileSync(twentyOne, bad(21));
    // act
    const run20 = await runMain(['evaluate', '--input', input, '--probes', twenty]);
    const run21 = await runMain(['evaluate', '--input', input, '--probes', twentyOne]);
    // assert
    const out20 = expectBadInput(run20);
    expect(out20).toHaveLength(20);
    expect(out20.every((l) => l.startsWith(`error: ${twenty}:`))).toBe(true);
    const out21 = expectBadInput(run21);
    expect(out21).toHaveLength(21);
    expect(out21[20]).toMatch(/^error: … and 1 more problems?$/);
  });

  it('orders the problems of several files by file then line, counting the rest', async () => {
    // arrange: 15 bad lines in a, 10 in b
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    writeFileSync(a, Array.from({ length: 15 }, () => probeLine({ function: 'x' })).join('\n'));
    writeFileSync(b, Array.from({ length: 10 }, () => `${probeLine()}\n${probeLine({ cause: 'x' })}`).join('\n'));
    // act
    const run = await runMain(['evaluate', '--input', input, '--probes', a, '--probes', b]);
    // assert
    const out = expectBadInput(run);
    expect(out.slice(0, 20).map((l) => l.split(': ')[1])).toEqual([
      ...Array.from({ length: 15 }, (_, k) => `${a}:${k + 1}.function`),
      ...Array.from({ length: 5 }, (_, k) => `${b}:${2 * (k + 1)}.cause`),
    ]);
    expect(out[20]).toBe('error: … and 5 more problems');
  });
});

describe('sla evaluate: unexpected failures (in-process)', () => {
  const dir = tempDir();
  const input = writeJson(dir, 'scenario.json', scenario());
  const failingStdout = (): never => {
    const e = new Error('EIO: i/o error, write\n    at a second line that must not be printed');
    e.stack = `Error: EIO: i/o error, write\n    at writeReport (/app/cli/sla.ts:1:1)\n    at main (/app/cli/main.ts:2:2)`;
    throw e;
  };

  it('exit 1 with one error line and no stack trace without --debug', async () => {
    // act
    const run = await runMain(['evaluate', '--input', input], { stdout: failingStdout });
    // assert
    expect(run.status).toBe(1);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: EIO: i\/o error, write/);
  });

  it('prints the stack trace with --debug', async () => {
    // act
    const run = await runMain(['evaluate', '--input', input, '--debug'], { stdout: failingStdout });
    // assert
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^\s+at writeReport/m);
  });
});

describe('sla evaluate: bad input through the real CLI', () => {
  const dir = tempDir();
  const input = writeJson(dir, 'scenario.json', scenario());

  it('an NDJSON timestamp without offset → FILE:LINE.at', () => {
    // arrange
    const file = join(dir, 'probes.ndjson');
    writeFileSync(file, [probeLine(), probeLine(), probeLine({ at: '2026-06-10T09:00:05' }), probeLine()].join('\n'));
    // act
    const run = sla(['evaluate', '--input', input, '--probes', file]);
    // assert
    const out = expectBadInput(run);
    expect(out).toHaveLength(1);
    expectProblem(out, `${file}:3.at`, NO_OFFSET);
  });

  it('malformed JSON on stdin (--input -) and on an NDJSON line', () => {
    // arrange
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, `${probeLine()}\n{"accountId": acc-1}\n`);
    // act
    const fromStdin = sla(['evaluate', '--input', '-'], '{"orders": [}');
    const fromFile = sla(['evaluate', '--input', input, '--probes', file]);
    // assert
    expectProblem(expectBadInput(fromStdin), '-', /malformed JSON/);
    expectProblem(expectBadInput(fromFile), `${file}:2`, /malformed JSON/);
  });

  it('overlapping orders, a missing --input and a directory as --probes', () => {
    // arrange
    const overlapping = writeJson(
      dir,
      'overlap.json',
      scenario({ orders: [order({ months: 3 }), order({ orderId: 'ord-2', startDate: '2026-08-31' })] }),
    );
    const missing = join(dir, 'missing.json');
    // act
    const overlap = sla(['evaluate', '--input', overlapping]);
    const noInput = sla(['evaluate', '--input', missing]);
    const folder = sla(['evaluate', '--input', input, '--probes', dir]);
    // assert
    expectProblem(expectBadInput(overlap), 'orders[1]', /overlaps orders\[0\]/);
    expectProblem(expectBadInput(noInput), missing, /cannot be read/);
    expectProblem(expectBadInput(folder), dir, /directory/);
  });

  it('57 bad lines: 20 listed, then "… and 37 more problems"', () => {
    // arrange
    const file = join(dir, 'many-bad.ndjson');
    writeFileSync(file, Array.from({ length: 57 }, (_, n) => probeLine({ cause: `c${n}` })).join('\n'));
    // act
    const run = sla(['evaluate', '--input', input, '--probes', file]);
    // assert
    const out = expectBadInput(run);
    expect(out).toHaveLength(21);
    out.slice(0, 20).forEach((line, k) => {
      expect(line.startsWith(`error: ${file}:${k + 1}.cause: `)).toBe(true);
    });
    expect(out[20]).toBe('error: … and 37 more problems');
  });

  it('a reader that goes away (sla … | head) never gets a stack trace', async () => {
    // arrange: a report far larger than a pipe buffer
    const orders = Array.from({ length: 20 }, (_, n) => order({ accountId: `acc-${n}`, months: 120 }));
    const big = writeJson(dir, 'big-report.json', { orders });
    // act
    const run = await slaIntoClosedPipe(['evaluate', '--input', big]);
    // assert
    expect(run.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(run.stderr);
    expect(lines.length).toBeLessThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(/^error: /);
    expect([0, 1]).toContain(run.status);
  });
});

describe('sla evaluate: line numbers of a file scanned by 2 worker threads', () => {
  // A month of one-per-minute probes for one account, > 16 MiB so the scan is split in two.
  const dir = tempDir();
  const input = writeJson(dir, 'scenario.json', scenario({ orders: [order()], probes: [] }));
  const file = join(dir, 'big.ndjson');
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size <= 17 * 1024 * 1024; n++) {
    const m = n % 43_200;
    const day = String(1 + Math.floor(m / 1440)).padStart(2, '0');
    const hh = String(Math.floor((m % 1440) / 60)).padStart(2, '0');
    const mm = String(m % 60).padStart(2, '0');
    const line = `{"accountId":"acc-1","function":"${n % 2 ? 'publish' : 'download'}","at":"2026-06-${day}T${hh}:${mm}:00+08:00","ok":true}`;
    lines.push(line);
    size += line.length + 1;
  }
  const offsets: number[] = [];
  let at = 0;
  for (const line of lines) {
    offsets.push(at);
    at += line.length + 1;
  }
  /** index of the line holding byte `pos` */
  const lineAt = (pos: number): number => {
    let i = offsets.findIndex((o) => o > pos);
    if (i < 0) i = offsets.length;
    return i - 1;
  };
  const middle = lineAt(Math.floor(size / 2));
  const badIndexes = [middle - 1, middle, middle + 1, lines.length - 3];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes the file; with `bad`, `+08:00"` → `"      ` on the bad lines (same length, no offset). */
  const writeBig = (bad: boolean): void => {
    writeFileSync(file, `${lines.join('\n')}\n`);
    if (!bad) return;
    const fd = openSync(file, 'r+');
    try {
      for (const i of badIndexes) {
        const line = lines[i] ?? '';
        writeSync(fd, '"      ', (offsets[i] ?? 0) + line.indexOf('+08:00"'));
      }
    } finally {
      closeSync(fd);
    }
  };

  it('scans the valid file with 2 workers (--stats)', () => {
    // arrange
    writeBig(false);
    // act
    const run = sla(['evaluate', '--input', input, '--probes', file, '--workers', '2', '--stats']);
    // assert
    expect(run.status).toBe(0);
    const stats = JSON.parse(run.stderr.replace(/^stats: /, '')) as { workers: number; lines: number };
    expect(stats).toMatchObject({ workers: 2, lines: lines.length });
  });

  it('reports the exact line numbers of bad lines at the split and near the end', () => {
    // arrange
    writeBig(true);
    // act
    const run = sla(['evaluate', '--input', input, '--probes', file, '--workers', '2']);
    // assert
    const out = expectBadInput(run);
    expect(out.map((l) => l.split(': ')[1])).toEqual(badIndexes.map((i) => `${file}:${i + 1}.at`));
    for (const line of out) expect(line).toMatch(NO_OFFSET);
  });

  it('a --workers value that is not a number never silently skips the probe files', () => {
    // arrange
    writeBig(true);
    // act
    const run = sla(['evaluate', '--input', input, '--probes', file, '--workers', 'two']);
    // assert: rejected as bad input, or the file scanned anyway and its problems reported
    const out = expectBadInput(run);
    expect(out.some((l) => l.includes('--workers') || l.includes(`${file}:`))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// `sla recalc --state-machine-arn`: an ARN that is not a state machine's is bad input — exit 2,
// the option named, no execution started (a Step Functions stand-in sees no request), no store
// opened.

describe('sla recalc: a bad --state-machine-arn', () => {
  const BAD_ARN = /is not a state machine ARN/;
  const recalc = (dir: string, ...extra: string[]): string[] => [
    'recalc',
    '--month',
    '2026-06',
    '--reason',
    'exclusion ex-44 added',
    '--local-dir',
    join(dir, 'store'),
    '--outbox',
    join(dir, 'outbox'),
    ...extra,
  ];

  it.each([
    ['not an ARN', 'month-end'],
    ['empty', ''],
    ['an execution ARN', 'arn:aws:states:ap-east-1:123456789012:execution:MonthEnd:run-1'],
    ['an account id of 4 digits', 'arn:aws:states:ap-east-1:1234:stateMachine:MonthEnd'],
    ['a Lambda function ARN', 'arn:aws:lambda:ap-east-1:123456789012:function:month-end-plan'],
    ['no state machine name', 'arn:aws:states:ap-east-1:123456789012:stateMachine:'],
    ['a name with a space', 'arn:aws:states:ap-east-1:123456789012:stateMachine:Month End'],
  ])('%s (%j): exit 2 naming --state-machine-arn, nothing started or written', async (_name, arn) => {
    // arrange
    const dir = tempDir();
    const stub = await startSfnStub();
    const restore = useEnvironment(sfnEnvironment(stub.url));
    try {
      // act
      const run = await runMain(recalc(dir, '--state-machine-arn', arn));
      // assert
      const lines = expectBadInput(run);
      expectProblem(lines, '--state-machine-arn', BAD_ARN);
      expect(stub.requests).toEqual([]);
      expect(existsSync(join(dir, 'store'))).toBe(false);
      expect(existsSync(join(dir, 'outbox'))).toBe(false);
    } finally {
      restore();
      await stub.close();
    }
  });

  it('from SLA_STATE_MACHINE_ARN, with --dry-run, beside a bad --month: every problem named, the ARN as --state-machine-arn', async () => {
    // arrange
    const dir = tempDir();
    const stub = await startSfnStub();
    const restore = useEnvironment({
      ...sfnEnvironment(stub.url),
      SLA_STATE_MACHINE_ARN: 'arn:aws:states:::stateMachine:x',
    });
    try {
      // act
      const run = await runMain([
        'recalc',
        '--month',
        '2026-6',
        '--reason',
        'x',
        '--dry-run',
        '--local-dir',
        join(dir, 'store'),
      ]);
      // assert
      const lines = expectBadInput(run);
      expectProblem(lines, '--month', /./);
      expectProblem(lines, '--state-machine-arn', /"arn:aws:states:::stateMachine:x" is not a state machine ARN/);
      expect(stub.requests).toEqual([]);
      expect(existsSync(join(dir, 'store'))).toBe(false);
    } finally {
      restore();
      await stub.close();
    }
  });

  it('a real run against a table in AWS (--table, no endpoint) without --state-machine-arn: refused, nothing opened', async () => {
    // arrange: no endpoint anywhere, so --table names a table in AWS
    const dir = tempDir();
    const restore = useEnvironment({
      SLA_DYNAMODB_ENDPOINT: undefined,
      SLA_TABLE: undefined,
      SLA_STATE_MACHINE_ARN: undefined,
    });
    try {
      // act
      const run = await runMain([
        'recalc',
        '--month',
        '2026-06',
        '--reason',
        'exclusion ex-44 added',
        '--table',
        'tcmpp-sla-prod',
        '--outbox',
        join(dir, 'outbox'),
      ]);
      // assert
      const lines = expectBadInput(run);
      expectProblem(lines, '--state-machine-arn', /is required to recalculate a table in AWS/);
      expect(existsSync(join(dir, 'outbox'))).toBe(false);
    } finally {
      restore();
    }
  });

  it('through the real CLI: exit 2, one line naming --state-machine-arn, no request', async () => {
    // arrange
    const dir = tempDir();
    const stub = await startSfnStub();
    try {
      // act
      const run = await slaAsync(
        recalc(dir, '--state-machine-arn', 'arn:aws:states:ap-east-1:123456789012:activity:MonthEnd'),
        sfnEnvironment(stub.url),
      );
      // assert
      const lines = expectBadInput(run);
      expect(lines).toEqual([
        'error: --state-machine-arn: "arn:aws:states:ap-east-1:123456789012:activity:MonthEnd" is not a state machine ARN',
      ]);
      expect(stub.requests).toEqual([]);
      expect(existsSync(join(dir, 'store'))).toBe(false);
    } finally {
      await stub.close();
    }
  });
});
