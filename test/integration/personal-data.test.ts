// SPEC R12 · Personal data through ingestion: a probe record carrying device data, location,
// clipboard… (with marker values) is ingested by `sla ingest --probes` (in-process and as the
// bundled CLI) and by ProbeIngest directly. Afterwards no marker — whole or as an 8-character
// fragment — is in any item of the table (whole-table Scan), in anything printed, or in
// `sla ingest quarantine`; and the dropped fields are counted, one per field per record.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { listIngestRuns, listQuarantined, putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { ProbeIngest } from '#ingest/ingest-probes.ts';
import { SLA, tempDir } from '../support/cli.ts';
import { scanAll, type TestTable, tableFactory } from '../support/dynamo.ts';
import { markersIn, PERSONAL, PERSONAL_FIELD_COUNT } from '../support/markers.ts';
import { linesOf, runMain } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'personal');

beforeAll(async () => {
  dynamo = await startLocalDynamo('personal-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const dir = tempDir();

// ---------------------------------------------------------------------------------------------
// Probe lines carrying personal data

const ORDER = { accountId: 'acc-1', orderId: 'o-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' };
const KEPT = { accountId: 'acc-1', function: 'publish', at: '2026-06-10T10:00:05+08:00', ok: false };
const record = (kept: Record<string, unknown>, personalFirst = false): string =>
  JSON.stringify(personalFirst ? { ...PERSONAL, ...kept } : { ...kept, ...PERSONAL });

/** Valid records, and the fields each drops. */
const VALID: readonly { line: string; dropped: number }[] = [
  { line: record(KEPT), dropped: PERSONAL_FIELD_COUNT },
  {
    line: record({ ...KEPT, function: 'manage', at: '2026-06-10T10:01:30.25+08:00', ok: true }, true),
    dropped: PERSONAL_FIELD_COUNT,
  },
  // an unknown account and a result outside the service period: ignored, still dropped and counted
  { line: record({ ...KEPT, accountId: 'acc-ghost' }), dropped: PERSONAL_FIELD_COUNT },
  { line: record({ ...KEPT, at: '2026-08-01T10:00:00+08:00' }), dropped: PERSONAL_FIELD_COUNT },
  {
    line: JSON.stringify({
      ...KEPT,
      at: '2026-06-10T02:02:00Z',
      cause: 'network',
      idfa: PERSONAL.idfa,
      location: PERSONAL.location,
    }),
    dropped: 2,
  },
  // spaced-out layout (the scanner's fast path skips it field by field)
  {
    line: JSON.stringify({ ...PERSONAL, ...KEPT, at: '2026-06-10T10:03:00+08:00', ok: true }, null, 1).replace(
      /\n/g,
      ' ',
    ),
    dropped: PERSONAL_FIELD_COUNT,
  },
];

/** Records that are JSON objects but not valid results: quarantined with their kept fields. */
const QUARANTINED: readonly string[] = [
  record({ ...KEPT, at: '2026-06-10T10:00:05' }), // timestamp without offset
  record({ ...KEPT, at: '2026-06-31T10:00:05+08:00' }), // no such day
  record({ ...KEPT, ok: 'yes' }),
  record({ ...KEPT, function: 'upload', cause: 'weather' }, true),
  record({ function: 'publish', at: '2026-06-10T10:00:05+08:00', ok: true }), // no accountId
];

/** Lines that are not JSON (or not an object), with personal data in them. */
const MALFORMED: readonly string[] = [
  record(KEPT).slice(0, -40), // cut off
  '{"accountId":"acc-1","function":"publish","at":"2026-06-10T10:03:00Z","ok":true,"idfa":IDFA-MARKER-7f3a}',
  '{"accountId":"acc-1","ok":true,"deviceModel":"iPhone "MODEL-MARKER-2b9c" Pro","carrier":"CARRIER-MARKER-d7e2"}',
  "{'idfa':'IDFA-MARKER-7f3a','carrier':'CARRIER-MARKER-d7e2'}",
  `${record(KEPT)} UA-MARKER-6d5e`,
  '{"accountId":"acc-1","clipboard":"CLIP-MARKER-88b1\tsecret"}', // a raw tab inside a string
  '{"accountId":"acc-1","clipboard":"\\q CLIP-MARKER-88b1"}', // a bad escape
  '{"accountId":"acc-1","IDFA-MARKER-7f3a"}',
  '{"accountId":"acc-1","idfa":"IDFA-MARKER-7f3a" "carrier":"CARRIER-MARKER-d7e2"}',
  '["IDFA-MARKER-7f3a","MODEL-MARKER-2b9c"]',
  '"IDFA-MARKER-7f3a"',
  'IDFA-MARKER-7f3a BRAND-MARKER-c41d OSVER-MARKER-90e6',
];

const validDropped = VALID.reduce((n, v) => n + v.dropped, 0);

let fileCount = 0;
const ndjson = (lines: readonly string[]): string => {
  const file = join(dir, `probes-${++fileCount}.ndjson`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
};

const tableWithOrder = async (): Promise<TestTable> => {
  const t = await tables.fresh();
  await putOrder(t.table, ORDER);
  return t;
};

/** Asserts no marker in each named text. */
const expectNoPersonalData = (texts: Record<string, string>): void => {
  for (const [where, text] of Object.entries(texts)) {
    expect.soft(markersIn(text), `personal data in ${where}`).toEqual([]);
  }
};

/** The bundled CLI in its own process, without blocking this one (dynalite runs here). */
const slaProcess = (args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [SLA, ...args],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });

// ---------------------------------------------------------------------------------------------

describe('personal data is never stored or printed (R12)', () => {
  it('sla ingest --probes: not in any item, in what it printed, in `ingest quarantine` or `ingest runs`', async () => {
    // arrange
    const t = await tableWithOrder();
    const file = ndjson([...VALID.map((v) => v.line), ...QUARANTINED, ...MALFORMED]);
    // act
    const ingest = await runMain(['ingest', '--probes', file, ...t.storeArgs]);
    const json = await runMain(['ingest', 'quarantine', '--json', ...t.storeArgs]);
    const text = await runMain(['ingest', 'quarantine', '--source', 'backfill', ...t.storeArgs]);
    const runs = await runMain(['ingest', 'runs', ...t.storeArgs]);
    const items = await scanAll(t.table);
    // assert: the commands did their work (the checks below are not vacuous)
    expect.soft([ingest.status, json.status, text.status, runs.status]).toEqual([0, 0, 0, 0]);
    expect.soft(linesOf(json.stdout)).toHaveLength(QUARANTINED.length + MALFORMED.length);
    expect.soft(items.some((item) => item.pk?.S === 'ACCOUNT#acc-1')).toBe(true);
    // assert: no personal data anywhere
    expectNoPersonalData({
      'the table': JSON.stringify(items),
      'ingest stdout': ingest.stdout,
      'ingest stderr': ingest.stderr,
      'quarantine --json stdout': json.stdout,
      'quarantine --json stderr': json.stderr,
      'quarantine stdout': text.stdout,
      'quarantine stderr': text.stderr,
      'runs stdout': runs.stdout,
    });
  });

  it('the bundled CLI in its own process: not in any item, on stdout or stderr', async () => {
    // arrange
    const t = await tableWithOrder();
    const file = ndjson([...VALID.map((v) => v.line), ...QUARANTINED, ...MALFORMED]);
    // act
    const ingest = await slaProcess(['ingest', '--probes', file, ...t.storeArgs]);
    const json = await slaProcess(['ingest', 'quarantine', '--json', ...t.storeArgs]);
    const items = await scanAll(t.table);
    // assert
    expect.soft(ingest.status, ingest.stderr).toBe(0);
    expect.soft(json.status, json.stderr).toBe(0);
    expect.soft(linesOf(json.stdout)).toHaveLength(QUARANTINED.length + MALFORMED.length);
    expectNoPersonalData({
      'the table': JSON.stringify(items),
      'ingest stdout': ingest.stdout,
      'ingest stderr': ingest.stderr,
      'quarantine --json stdout': json.stdout,
      'quarantine --json stderr': json.stderr,
    });
  });

  it('ProbeIngest in chunks cut mid-line: nothing logged with it, nothing stored with it, drops counted', async () => {
    // arrange
    const t = await tableWithOrder();
    const bytes = Buffer.from(`${[...MALFORMED, ...VALID.map((v) => v.line), ...QUARANTINED].join('\r\n')}`);
    let logged = '';
    const capture = (...args: unknown[]): void => {
      logged += `${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`;
    };
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(capture),
    );
    const writeSpies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        logged += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        return true;
      }),
    );
    const progress: unknown[] = [];
    let summary: Awaited<ReturnType<ProbeIngest['finish']>>;
    // act
    try {
      const ingest = await ProbeIngest.open({
        table: t.table,
        source: 'probe-feed',
        runId: 'window-1',
        timeZone: 'Asia/Shanghai',
        retentionDaysAfterClaimClose: 30,
        onProgress: (p) => progress.push(p),
      });
      for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7 + 3) % 41 || 1) {
        ingest.push(bytes.subarray(at, Math.min(bytes.length, at + step)));
      }
      summary = await ingest.finish();
    } finally {
      for (const spy of [...consoleSpies, ...writeSpies]) spy.mockRestore();
    }
    const items = await scanAll(t.table);
    // assert
    expect.soft(summary).toMatchObject({
      probes: VALID.length + QUARANTINED.length + MALFORMED.length,
      ignoredProbes: 2,
      droppedFields: validDropped + QUARANTINED.length * PERSONAL_FIELD_COUNT, // a rejected record's fields are dropped and counted too
      quarantined: expect.any(Number),
    });
    expect.soft(await listQuarantined(t.table, 'probe-feed')).toHaveLength(QUARANTINED.length + MALFORMED.length);
    expectNoPersonalData({
      'the table': JSON.stringify(items),
      'console and process output': logged,
      'progress reports': JSON.stringify(progress),
      'the summary': JSON.stringify(summary),
    });
  });

  it('a kept field whose value is an object or array carrying personal data: quarantined without it', async () => {
    // arrange: `at`, `function`, `accountId`, `ok`, `cause` holding device data instead of their values
    const t = await tableWithOrder();
    const at = '2026-06-10T10:00:05+08:00';
    const lines = [
      JSON.stringify({ accountId: 'acc-1', function: 'publish', at: { idfa: PERSONAL.idfa }, ok: true }),
      JSON.stringify({ accountId: 'acc-1', function: { ua: PERSONAL.webviewUserAgent }, at, ok: true }),
      JSON.stringify({ accountId: [...PERSONAL.processList], function: 'publish', at, ok: true }),
      JSON.stringify({ accountId: 'acc-1', function: 'publish', at, ok: { clipboard: PERSONAL.clipboard } }),
      JSON.stringify({ accountId: 'acc-1', function: 'publish', at, ok: false, cause: PERSONAL.location }),
    ];
    const file = ndjson(lines);
    // act
    const ingest = await runMain(['ingest', '--probes', file, '--quiet', ...t.storeArgs]);
    const json = await runMain(['ingest', 'quarantine', '--json', ...t.storeArgs]);
    const items = await scanAll(t.table);
    // assert
    expect.soft(ingest.status).toBe(0);
    expect.soft(linesOf(json.stdout)).toHaveLength(lines.length);
    expectNoPersonalData({
      'the table': JSON.stringify(items),
      'ingest output': ingest.stdout + ingest.stderr,
      'quarantine --json stdout': json.stdout,
    });
  });
});

describe('the counts of an ingest run', () => {
  it('quarantined counts records: one per rejected line, however many problems it has', async () => {
    // arrange: every line rejected once; QUARANTINED[3] has two problems (function and cause)
    const t = await tableWithOrder();
    const file = ndjson([...QUARANTINED, ...MALFORMED]);
    const rejected = QUARANTINED.length + MALFORMED.length;
    // act
    const run = await runMain(['ingest', '--probes', file, '--quiet', ...t.storeArgs]);
    // assert
    expect(run.status).toBe(0);
    expect(await listQuarantined(t.table, 'backfill')).toHaveLength(rejected);
    expect(run.stdout).toContain(`, ${rejected} quarantined\n`);
    expect((await listIngestRuns(t.table, 'backfill')).map((r) => r.quarantined)).toEqual([rejected]);
  });
});

describe('droppedFields: one per dropped field per record (R12)', () => {
  it('in the printed summary and the run record, ignored results included', async () => {
    // arrange
    const t = await tableWithOrder();
    const file = ndjson(VALID.map((v) => v.line));
    // act
    const run = await runMain(['ingest', '--probes', file, '--quiet', ...t.storeArgs]);
    // assert
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `${VALID.length} results, 1 account-hours written, 2 ignored (no order covers them), ${validDropped} fields dropped (R12), 0 quarantined`,
    );
    const runs = await listIngestRuns(t.table, 'backfill');
    expect(runs.map((r) => r.droppedFields)).toEqual([validDropped]);
  });

  it('a record repeated in one file counts its drops again (per record, not per distinct record)', async () => {
    // arrange
    const t = await tableWithOrder();
    const line = VALID[0]?.line ?? '';
    const file = ndjson([line, line, line]);
    // act
    const run = await runMain(['ingest', '--probes', file, '--quiet', ...t.storeArgs]);
    // assert
    expect(run.stdout).toContain(`${3 * PERSONAL_FIELD_COUNT} fields dropped (R12)`);
  });

  it('the fields dropped from a quarantined record (kept fields only are stored) are counted too', async () => {
    // arrange: JSON objects that fail validation; their quarantine item keeps accountId…cause only
    const t = await tableWithOrder();
    const file = ndjson(QUARANTINED);
    // act
    const run = await runMain(['ingest', '--probes', file, '--quiet', ...t.storeArgs]);
    // assert
    expect(run.status).toBe(0);
    const runs = await listIngestRuns(t.table, 'backfill');
    expect(runs.map((r) => r.droppedFields)).toEqual([QUARANTINED.length * PERSONAL_FIELD_COUNT]);
  });
});
