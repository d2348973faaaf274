// `sla start` (`npm start`) end to end, as a user runs it: the bundled CLI simulates a month for 8
// accounts (fixed seed) on the embedded stand-ins — the probe feed over HTTP into the real
// ingest-probe-feed handler, the compaction, the month-end state machine, the notice worker, the
// claims intake, the report. Then `sla evaluate` is run on the scenario it wrote: the report of the
// stored results must be the offline one, field for field (contracts/compare.mjs) and as a whole.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '#domain/fees.ts';
import { previousMonth } from '../../cli/start-command.ts';
import { generateSimulation } from '../../shared/simulation/generate.ts';
import { type CliRun, CONTRACTS, sla, tempDir } from '../support/cli.ts';
import { slaAsync } from '../support/cli-async.ts';
import { linesOf, STACK_TRACE } from '../support/run-main.ts';

const MONTH = '2026-11';
const ACCOUNTS = 8;
const SEED = 7;

interface ServiceMonth {
  accountId: string;
  orderId: string;
  month: string;
  totalMinutes: number;
  observedMinutes: number;
  compensationPercent: number;
  voucher: string;
  excludedMinutes: Record<string, number>;
}
interface Report {
  serviceMonths: ServiceMonth[];
  claims: { accepted: boolean; reason?: string; voucher?: string }[];
  ignoredProbes: number;
  droppedFields: number;
  warnings: string[];
}

let out: string;
let dir: string;
let run: CliRun;
let report: Report;

beforeAll(async () => {
  out = tempDir();
  dir = join(out, MONTH);
  run = await slaAsync([
    'start',
    '--month',
    MONTH,
    '--accounts',
    String(ACCOUNTS),
    '--seed',
    String(SEED),
    '--out',
    out,
  ]);
  if (run.status === 0) report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
}, 300_000);

const compare = (expected: string, actual: string) =>
  spawnSync(process.execPath, [join(CONTRACTS, 'compare.mjs'), expected, actual], { encoding: 'utf8' });

describe('sla start: a simulated month through the real handlers', () => {
  it('runs every step and prints its progress and a summary', () => {
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(run.status).toBe(0);
    const steps = linesOf(run.stderr).filter((l) => /^\[\d\/7\] /.test(l));
    expect(steps.map((l) => l.slice(0, 5))).toEqual(['[1/7]', '[2/7]', '[3/7]', '[4/7]', '[5/7]', '[6/7]', '[7/7]']);
    expect(run.stderr).toMatch(/721\/721 windows/);
    expect(run.stdout).toMatch(/^simulated 2026-11: 8 accounts, /);
    expect(run.stdout).toMatch(/wall time: \d+\.\d s/);
  });

  it('report.json is what `sla evaluate` makes of the scenario it wrote, field for field and as a whole', () => {
    // act
    const evaluated = sla([
      'evaluate',
      '--input',
      join(dir, 'scenario', 'scenario.json'),
      '--probes',
      join(dir, 'scenario', 'probes.ndjson'),
    ]);
    // assert
    expect(evaluated.stderr).toBe('');
    expect(evaluated.status).toBe(0);
    const offline = join(out, 'offline.json');
    writeFileSync(offline, evaluated.stdout);
    const checked = compare(offline, join(dir, 'report.json'));
    expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: '' });
    expect(report).toEqual(JSON.parse(evaluated.stdout));
  });

  it('the scenario shows every case: each tier, each exclusion clause, a coverage gap, ignored and dropped data, every claim verdict', () => {
    const tiers = new Set(report.serviceMonths.map((m) => m.compensationPercent));
    expect([...tiers].sort((a, b) => a - b)).toEqual([0, 10, 25, 100]);
    const clauses = new Set(report.serviceMonths.flatMap((m) => Object.keys(m.excludedMinutes)));
    expect([...clauses].sort()).toEqual(['4.1', '4.3', '4.4', '4.5']);
    expect(report.serviceMonths.some((m) => 10 * m.observedMinutes < 9 * m.totalMinutes)).toBe(true);
    // partial months (a service month shorter than November) and a renewal (two orders in the month)
    expect(report.serviceMonths.some((m) => m.totalMinutes < 30 * 1440)).toBe(true);
    const ordersOf = (a: string) => report.serviceMonths.filter((m) => m.accountId === a).length;
    expect(report.serviceMonths.some((m) => ordersOf(m.accountId) === 2)).toBe(true);
    expect(report.ignoredProbes).toBeGreaterThan(0);
    expect(report.droppedFields).toBeGreaterThan(0);
    expect(report.warnings.some((w) => w.includes('excludes nothing'))).toBe(true);
    expect(report.claims.map((c) => (c.accepted ? 'accepted' : c.reason)).sort()).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'duplicate',
      'missing-materials',
      'not-eligible',
      'unknown-order',
      'window-not-open',
      'wrong-channel',
    ]);
  });

  it('the outbox holds exactly one window-open notice per compensated service month', () => {
    const compensated = report.serviceMonths.filter((m) => m.compensationPercent > 0);
    const files = readdirSync(join(dir, 'outbox')).sort();
    expect(files).toEqual(compensated.map((m) => `${m.accountId}~${m.orderId}~${m.month}~window-open.json`).sort());
    for (const m of compensated) {
      const notice = JSON.parse(
        readFileSync(join(dir, 'outbox', `${m.accountId}~${m.orderId}~${m.month}~window-open.json`), 'utf8'),
      ) as { notice: { kind: string; voucher: string; compensationPercent: number } };
      expect(notice.notice).toMatchObject({
        kind: 'window-open',
        voucher: m.voucher,
        compensationPercent: m.compensationPercent,
      });
    }
  });

  it("the summary's numbers are the report's", () => {
    const worst = new Map<string, number>();
    for (const m of report.serviceMonths)
      worst.set(m.accountId, Math.max(worst.get(m.accountId) ?? 0, m.compensationPercent));
    const accountsAt = (p: number) => [...worst.values()].filter((w) => w === p).length;
    expect(run.stdout).toContain(
      `tiers (accounts, worst service month): met ${accountsAt(0)} · 10 % ${accountsAt(10)} · 25 % ${accountsAt(25)} · 100 % ${accountsAt(100)}`,
    );
    const fen = report.serviceMonths.reduce((n, m) => n + (parseMoney(m.voucher) as number), 0);
    const shown = /vouchers: CNY ([\d,]+\.\d\d)/.exec(run.stdout)?.[1]?.replaceAll(',', '');
    expect(shown).toBe(formatMoney(fen));
    const compensated = report.serviceMonths.filter((m) => m.compensationPercent > 0).length;
    expect(run.stdout).toMatch(new RegExp(`notices: ${compensated} delivered`));
    const accepted = report.claims.filter((c) => c.accepted).length;
    expect(run.stdout).toContain(`claims: ${accepted} accepted, ${report.claims.length - accepted} rejected`);
    expect(run.stdout).toContain(`${report.serviceMonths.length} service months`);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expect(existsSync(join(dir, 'report.en.html'))).toBe(true);
  });
});

describe('sla start: options', () => {
  it('bad options: exit 2, each named, nothing run', () => {
    const out = tempDir();
    const bad = sla(['start', '--month', '2026-13', '--accounts', '0', '--seed', 'x', '--out', out]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(bad.stderr);
    expect(lines.map((l) => /^error: (--[a-z]+): /.exec(l)?.[1])).toEqual(['--month', '--accounts', '--seed']);
    expect(readdirSync(out)).toEqual([]);
  });

  it('the default month is the previous one in Asia/Shanghai', async () => {
    const { DateTime } = await import('luxon');
    // 1 December 2026 at 07:00 in Shanghai is still 30 November in UTC
    expect(previousMonth(DateTime.fromISO('2026-11-30T23:00:00Z'))).toBe('2026-11');
    expect(previousMonth(DateTime.fromISO('2027-01-15T12:00:00+08:00'))).toBe('2026-12');
  });

  it('the same seed, the same month; another seed, another', () => {
    const a = generateSimulation({ month: MONTH, accounts: ACCOUNTS, seed: SEED });
    const b = generateSimulation({ month: MONTH, accounts: ACCOUNTS, seed: SEED });
    const c = generateSimulation({ month: MONTH, accounts: ACCOUNTS, seed: SEED + 1 });
    expect(b.scenario).toEqual(a.scenario);
    expect(b.feed.body(100).text).toBe(a.feed.body(100).text);
    expect(c.scenario).not.toEqual(a.scenario);
  });
});
