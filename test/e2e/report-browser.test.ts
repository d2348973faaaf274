// The month report end to end: 50 accounts stored in dynalite as the pipeline stores them (orders,
// compacted minute facts, an announced maintenance, results recorded by the month-end step,
// notices), the model built from the table, both HTML files written, then opened from disk in
// headless Chromium (Debian's, driven by playwright-core) with no network: no console error, no
// page error, no request but the file itself, every chart drawn, one table row per service month.
// The report stays in test-artifacts/month-report/<month>/, its screenshots in
// test-artifacts/report-<lang>.png.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { dayItem } from '#adapters/dynamodb/minute-fact-repository.ts';
import { createNotice, markEnqueued, type NoticeRecord, noticeIdOf } from '#adapters/dynamodb/notice-repository.ts';
import { type OrderRecord, putMaintenance, putOrder } from '#adapters/dynamodb/registry-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { MINUTES_PER_DAY } from '#domain/instant.ts';
import { CAUSES, resultBits } from '#domain/probe.ts';
import { evaluateAccountMonth } from '#month-end/evaluate-account-month.ts';
import { storedWindows } from '#month-end/month-end-steps.ts';
import { buildMonthReportModel, type JudgedClaim } from '../../shared/report/build-model.ts';
import { type MonthReportModel, monthBounds } from '../../shared/report/model.ts';
import { REPORT_LANGUAGES } from '../../shared/report/render-html.ts';
import { type WrittenReport, writeMonthReport } from '../../shared/report/write-report.ts';

const ZONE = 'Asia/Shanghai';
const MONTH = '2026-09';
const ACCOUNTS = 50;
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const { startMinute, endMinute } = monthBounds(MONTH, ZONE);
const at = (day: number, hour: number, minute = 0): number => startMinute + (day - 1) * 1440 + hour * 60 + minute;

const OK = resultBits(true, 0);
const PLATFORM = resultBits(false, 0);
const NETWORK = resultBits(false, CAUSES.indexOf('network'));
const CUSTOMER = resultBits(false, CAUSES.indexOf('customer'));

const accountId = (i: number): string => `acct-${String(i).padStart(3, '0')}`;

/** The account's orders: a year from January, but acct-049 starts mid-September and acct-050 renews on 09-21. */
const ordersOf = (i: number): OrderRecord[] => {
  const id = accountId(i);
  const cash = `${1200 + i * 37}.${String(i % 100).padStart(2, '0')}`;
  if (i === 49) return [{ accountId: id, orderId: `ord-${i}`, startDate: '2026-09-17', months: 3, cashPaid: cash }];
  if (i === 50) {
    return [
      { accountId: id, orderId: 'ord-50a', startDate: '2026-06-21', months: 3, cashPaid: '900.00' },
      { accountId: id, orderId: 'ord-50b', startDate: '2026-09-21', months: 12, cashPaid: '3600.00' },
    ];
  }
  return [{ accountId: id, orderId: `ord-${i}`, startDate: '2026-01-01', months: 12, cashPaid: cash }];
};

/** Minute states of one account over the month: scripted incidents, deterministic per account. */
const statesOf = (i: number): Uint16Array => {
  const states = new Uint16Array(endMinute - startMinute).fill(OK);
  const set = (from: number, length: number, bits: number) =>
    states.fill(bits, from - startMinute, from - startMinute + length);
  if (i % 7 === 0) set(at(3 + (i % 20), 10), 60, PLATFORM); // 60 min: the 10 % tier
  if (i % 11 === 0) set(at(8, 2, 13), 700, PLATFORM); // 700 min: the 25 % tier
  if (i === 17 || i === 34) set(at(20, 0), 2400, PLATFORM); // 2 400 min: the 100 % tier
  if (i % 3 === 0) set(at(12, 9, i), 5 + (i % 9), PLATFORM); // a few minutes: still met
  if (i % 4 === 0) set(at(25, 14), 90, NETWORK); // §4.2
  if (i % 9 === 0) set(at(5, 20), 30, CUSTOMER); // §4.5
  set(at(15, 2), 30, PLATFORM); // under the announced maintenance: §4.1
  if (i % 5 === 0) set(at(18, 0), 180, 0); // a probing gap
  if (i % 13 === 0) set(at(1, 0), 4 * 1440, 0); // four days unprobed: coverage under 90 %
  for (let m = 0; m < states.length; m++) if (states[m] !== 0) states[m] = (states[m] ?? 0) | 1;
  return states;
};

/** Stores the account's facts as compacted DAY# items (one a UTC day), as the daily compaction leaves them. */
const storeFacts = async (table: Table, i: number): Promise<void> => {
  const states = statesOf(i);
  const firstDay = Math.floor(startMinute / MINUTES_PER_DAY);
  const lastDay = Math.floor((endMinute - 1) / MINUTES_PER_DAY);
  const puts: Promise<unknown>[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const page = new Uint16Array(MINUTES_PER_DAY);
    for (let k = 0; k < MINUTES_PER_DAY; k++) {
      const m = day * MINUTES_PER_DAY + k - startMinute;
      if (m >= 0 && m < states.length) page[k] = states[m] ?? 0;
    }
    const item = dayItem(accountId(i), day, page, 2_000_000_000, 24);
    puts.push(table.client.send(new PutItemCommand({ TableName: table.name, Item: item })));
  }
  await Promise.all(puts);
};

const judged = (i: number): JudgedClaim[] => {
  if (i === 7) return [{ orderId: 'ord-7', accepted: true }];
  if (i === 11) return [{ orderId: 'ord-11', accepted: false, reason: 'window-not-open' }];
  if (i === 17) {
    return [
      { orderId: 'ord-17', accepted: true },
      { orderId: 'ord-17', accepted: false, reason: 'duplicate' },
    ];
  }
  return [];
};

let dynamo: LocalDynamo | undefined;
let model: MonthReportModel;
let written: WrittenReport;

beforeAll(async () => {
  dynamo = await startLocalDynamo('report-e2e');
  const { table } = dynamo;
  // arrange: the registry, the facts, the month-end's results, some notices
  await putMaintenance(table, {
    id: 'm-0915',
    announcedAt: '2026-09-10T10:00:00+08:00',
    start: '2026-09-15T02:00:00+08:00',
    end: '2026-09-15T02:30:00+08:00',
  });
  for (let i = 1; i <= ACCOUNTS; i++) for (const o of ordersOf(i)) await putOrder(table, o);
  for (let i = 1; i <= ACCOUNTS; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, k) => storeFacts(table, i + k)));
  }
  const windows = await storedWindows(table, 0);
  const now = new Date('2026-10-20T02:00:00+08:00');
  for (let i = 1; i <= ACCOUNTS; i++) {
    const { evaluated } = await evaluateAccountMonth(accountId(i), {
      table,
      month: MONTH,
      timeZone: ZONE,
      windows,
      calendar: new BusinessCalendar(),
      reason: 'scheduled',
      requestedBy: 'report-e2e',
      runId: 'run-e2e',
      now: () => now,
    });
    for (const { report } of evaluated) {
      if (report.compensationPercent === 0) continue;
      const notice: NoticeRecord = {
        noticeId: noticeIdOf({ ...report, kind: 'window-open', version: 1 }),
        kind: 'window-open',
        accountId: report.accountId,
        orderId: report.orderId,
        month: MONTH,
        version: 1,
        compensationPercent: report.compensationPercent,
        voucher: report.voucher,
        runId: 'run-e2e',
        createdAt: now.toISOString(),
      };
      await createNotice(table, notice);
      if (i % 2 === 0) await markEnqueued(table, notice, now);
    }
  }

  // act: the model from the table, written as the month's report
  model = await buildMonthReportModel({
    table,
    month: MONTH,
    timeZone: ZONE,
    claimsOf: async (id) => judged(Number(id.slice(5))),
    now: () => now,
  });
  rmSync(join(ARTIFACTS, 'month-report'), { recursive: true, force: true });
  written = await writeMonthReport(join(ARTIFACTS, 'month-report', MONTH), model);
});

afterAll(async () => {
  await dynamo?.close();
});

describe('the month report from the store', () => {
  it('has every service month, and strips that agree with the stored results', () => {
    // 49 accounts with one service month, acct-050 with two (its renewal on 09-21)
    expect(model.rows).toHaveLength(ACCOUNTS + 1);
    expect(model.strips).toHaveLength(ACCOUNTS);
    expect(model.warnings).toEqual([]);
    expect(model.tiers.map((t) => t.serviceMonths).reduce((a, b) => a + b, 0)).toBe(ACCOUNTS + 1);
    expect(model.tiers.find((t) => t.compensationPercent === 100)?.accounts).toBe(2);
    const late = model.strips.find((s) => s.accountId === 'acct-049');
    expect(late?.runs[0]).toEqual({ startMinute: 0, length: 16 * 1440, state: 'no-service' });
    const told = model.rows.find((r) => r.accountId === 'acct-014');
    expect(told?.notices?.windowOpen).toBe('enqueued');
    expect(model.rows.find((r) => r.accountId === 'acct-017')?.claims).toEqual({
      accepted: 1,
      rejected: [{ reason: 'duplicate' }],
    });
  });
});

describe('the month report in headless Chromium', () => {
  let context: BrowserContext | undefined;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'report-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 900 },
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it.each(REPORT_LANGUAGES)('%s: opens from disk with no error or request, every chart drawn', async (language) => {
    // arrange
    if (!context) throw new Error('Chromium did not start');
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(written.html[language]).href;

    // act
    await page.goto(url, { waitUntil: 'load' });

    // assert
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.locator('html').getAttribute('lang')).toBe(language);
    expect(await page.locator('script').count()).toBe(0);
    for (const name of ['strip', 'tiers', 'coverage']) {
      const svg = page.locator(`figure.chart-${name} > svg`);
      expect(await svg.count(), name).toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width ?? 0, name).toBeGreaterThan(100);
      expect(box?.height ?? 0, name).toBeGreaterThan(100);
      expect(await svg.locator('path').count(), name).toBeGreaterThan(0);
    }
    // the strip: one row label per account; the coverage: one bar per account
    expect(await page.locator('figure.chart-strip text').allTextContents()).toEqual(
      expect.arrayContaining(model.strips.map((s) => s.accountId)),
    );
    expect(await page.locator('table.months > tbody > tr').count()).toBe(model.rows.length);
    await page.screenshot({ path: join(ARTIFACTS, `report-${language}.png`), fullPage: true });
    await page.close();
  });

  it('stays small: runs, not one shape per minute', () => {
    for (const file of Object.values(written.html)) {
      expect(readFileSync(file).length).toBeLessThan(400_000);
    }
  });
});
