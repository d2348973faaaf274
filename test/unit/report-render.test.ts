// The month report (issue 6 item 3): the model's minute strip agrees with the engine's counts,
// and the HTML is static, self-contained, escaped, bilingual, with its three charts as inline SVG.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { countMinutes, type EvaluatedMonth, evaluateOrder } from '#domain/evaluate.ts';
import type { ExclusionWindow } from '#domain/exclusions.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { CAUSES, resultBits } from '#domain/probe.ts';
import { type Order, serviceMonthsOf } from '#domain/service-months.ts';
import { buildMonthReportModelFromReport } from '../../shared/report/build-model.ts';
import {
  type AccountStrip,
  accountStrip,
  assembleMonthReport,
  excludedByClause,
  type MonthReportModel,
  monthBounds,
  type ServiceMonthRow,
  stripsOf,
} from '../../shared/report/model.ts';
import { escapeHtml, formatFen, hourStates, renderMonthReport } from '../../shared/report/render-html.ts';
import { writeMonthReport } from '../../shared/report/write-report.ts';

const ZONE = 'Asia/Shanghai';
const MONTH = '2026-06';
const { startMinute: JUNE_START, endMinute: JUNE_END } = monthBounds(MONTH, ZONE);
const DAY = 1440;

const OK = resultBits(true, 0);
const PLATFORM = resultBits(false, 0);
const NETWORK = resultBits(false, CAUSES.indexOf('network'));
const LEGAL = resultBits(false, CAUSES.indexOf('legal'));

const order = (accountId: string, startDate: string, cashPaidFen: number, months = 1): Order => ({
  accountId,
  orderId: `ord-${accountId}`,
  startDate,
  months,
  cashPaidFen,
});

const evaluate = (orders: readonly Order[], facts: MinuteFacts, windows: readonly ExclusionWindow[]) =>
  orders.flatMap((o) => evaluateOrder(o, ZONE, facts, windows, new BusinessCalendar())).map((e) => e.report);

const fill = (facts: MinuteFacts, accountId: string, from: number, to: number, bits: number): void => {
  for (let m = from; m < to; m++) facts.record(accountId, m, bits);
};

const row = (accountId: string, overrides: Partial<ServiceMonthRow> = {}): ServiceMonthRow => ({
  accountId,
  orderId: `ord-${accountId}`,
  firstDay: '2026-06-01',
  lastDay: '2026-06-30',
  days: 30,
  totalMinutes: 30 * DAY,
  unavailableMinutes: 0,
  observedMinutes: 30 * DAY,
  excludedMinutes: {},
  availabilityPercent: '100.000000',
  compensationPercent: 0,
  feeFen: 30_000,
  voucherFen: 0,
  claimWindow: null,
  ...overrides,
});

const upStrip = (accountId: string): AccountStrip => ({
  accountId,
  runs: [{ startMinute: 0, length: 30 * DAY, state: 'up' }],
  minutes: { up: 30 * DAY, down: 0, excluded: 0, 'no-data': 0, 'no-service': 0 },
});

const modelOf = (rows: readonly ServiceMonthRow[], warnings: string[] = []): MonthReportModel =>
  assembleMonthReport({
    month: MONTH,
    timeZone: ZONE,
    generatedAt: '2026-07-08T02:00:00.000Z',
    rows,
    strips: new Map(rows.map((r) => [r.accountId, upStrip(r.accountId)])),
    warnings,
  });

/** The inline SVG of a chart figure, or undefined. */
const chartSvg = (html: string, name: string): string | undefined =>
  new RegExp(`<figure class="chart chart-${name}">(<svg[\\s\\S]*?</svg>)</figure>`).exec(html)?.[1];

describe('the minute strip (model.ts)', () => {
  it('classifies each minute as the engine counts it, and run-length encodes the month', () => {
    // arrange: service from 06-10 (a month: June 10–30 in June); on 06-10, 60 minutes up, 3 down,
    // 2 with only network failures (§4.2), 1 platform failure under announced maintenance (§4.1),
    // 1 legal failure under the same maintenance (§4.1 is lower than §4.9), then nothing
    const o = order('acc-1', '2026-06-10', 30_000);
    const s = JUNE_START + 9 * DAY;
    const facts = new MinuteFacts();
    fill(facts, 'acc-1', s, s + 60, OK);
    fill(facts, 'acc-1', s + 60, s + 63, PLATFORM);
    fill(facts, 'acc-1', s + 63, s + 65, NETWORK);
    facts.record('acc-1', s + 65, PLATFORM);
    facts.record('acc-1', s + 66, LEGAL);
    facts.record('acc-1', JUNE_START + 2 * DAY, PLATFORM); // before the service: ignored
    const windows: ExclusionWindow[] = [
      { source: 'maintenance:m1', clause: 1, startMinute: s + 65, endMinute: s + 67, accountIds: undefined },
    ];
    const june = serviceMonthsOf(o, ZONE).find((m) => m.month === MONTH);
    if (!june) throw new Error('no June service month');

    // act
    const strip = accountStrip('acc-1', JUNE_START, JUNE_END, [june], facts, windows);
    const counts = countMinutes(june, facts, windows);

    // assert
    expect(strip.runs).toEqual([
      { startMinute: 0, length: 9 * DAY, state: 'no-service' },
      { startMinute: 9 * DAY, length: 60, state: 'up' },
      { startMinute: 9 * DAY + 60, length: 3, state: 'down' },
      { startMinute: 9 * DAY + 63, length: 2, state: 'excluded', clause: '4.2' },
      { startMinute: 9 * DAY + 65, length: 2, state: 'excluded', clause: '4.1' },
      { startMinute: 9 * DAY + 67, length: 21 * DAY - 67, state: 'no-data' },
    ]);
    expect(strip.minutes.down).toBe(counts.unavailableMinutes);
    expect(excludedByClause(strip)).toEqual(counts.excludedMinutes);
    expect(strip.minutes.up + strip.minutes.down + strip.minutes.excluded).toBe(counts.observedMinutes);
    expect(Object.values(strip.minutes).reduce((a, b) => a + b, 0)).toBe(JUNE_END - JUNE_START);
  });

  it('agrees with countMinutes for any facts and windows (property)', () => {
    const stateArb = fc.constantFrom(0, OK, PLATFORM, NETWORK, LEGAL, OK | PLATFORM, PLATFORM | NETWORK);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * DAY - 1 }), stateArb), { maxLength: 60 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 * DAY }),
            fc.integer({ min: 1, max: 300 }),
            fc.integer({ min: 1, max: 9 }),
          ),
          {
            maxLength: 3,
          },
        ),
        (minutes, spans) => {
          // arrange: a 3-day service month (June 28–30) of an order from 06-28
          const o = order('acc-p', '2026-06-28', 9_000);
          const june = serviceMonthsOf(o, ZONE).find((m) => m.month === MONTH);
          if (!june) throw new Error('no June service month');
          const facts = new MinuteFacts();
          for (const [offset, bits] of minutes) if (bits !== 0) facts.record('acc-p', june.startMinute + offset, bits);
          const windows = spans.map(([offset, length, clause], i) => ({
            source: `exclusion:w${i}`,
            clause,
            startMinute: june.startMinute + offset,
            endMinute: june.startMinute + offset + length,
            accountIds: undefined,
          }));
          // act
          const strip = accountStrip('acc-p', JUNE_START, JUNE_END, [june], facts, windows);
          const counts = countMinutes(june, facts, windows);
          // assert
          expect(strip.minutes.down).toBe(counts.unavailableMinutes);
          expect(excludedByClause(strip)).toEqual(counts.excludedMinutes);
          expect(strip.minutes.up + strip.minutes.down + strip.minutes.excluded).toBe(counts.observedMinutes);
          expect(strip.minutes['no-service']).toBe(27 * DAY);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a month split between two orders has two in-service stretches and one gap', () => {
    // arrange: ord-a June 1–10 (the end of a month from May 11), ord-b from June 21
    const a = { ...order('acc-2', '2026-05-11', 31_000), orderId: 'ord-a' };
    const b = { ...order('acc-2', '2026-06-21', 30_000), orderId: 'ord-b' };
    const facts = new MinuteFacts();
    const reports = evaluate([a, b], facts, []).filter((r) => r.month === MONTH);
    // act
    const strip = stripsOf(reports, MONTH, ZONE, facts, []).get('acc-2');
    // assert
    expect(strip?.runs).toEqual([
      { startMinute: 0, length: 10 * DAY, state: 'no-data' },
      { startMinute: 10 * DAY, length: 10 * DAY, state: 'no-service' },
      { startMinute: 20 * DAY, length: 10 * DAY, state: 'no-data' },
    ]);
  });

  it('the chart columns: an hour with one down minute is down; half unobserved is no data', () => {
    // arrange
    const strip: AccountStrip = {
      accountId: 'acc-h',
      runs: [
        { startMinute: 0, length: 30, state: 'up' },
        { startMinute: 30, length: 1, state: 'down' },
        { startMinute: 31, length: 89, state: 'up' },
        { startMinute: 120, length: 30, state: 'no-data' },
        { startMinute: 150, length: 60, state: 'up' },
        { startMinute: 210, length: 30, state: 'excluded', clause: '4.1' },
        { startMinute: 240, length: 60, state: 'no-service' },
      ],
      minutes: { up: 179, down: 1, excluded: 30, 'no-data': 30, 'no-service': 60 },
    };
    // act
    const states = hourStates(strip, 300);
    // assert
    expect(states).toEqual(['down', 'up', 'no-data', 'excluded', 'no-service']);
  });
});

describe('the model from an offline report (build-model.ts)', () => {
  it('rows, tiers, coverage and totals come from the reports; claims grouped per service month', () => {
    // arrange: acc-a healthy; acc-b 50 platform-failure minutes (10 % tier); acc-c no probes at all
    const orders = [
      order('acc-a', '2026-06-01', 30_000),
      order('acc-b', '2026-06-01', 60_000),
      order('acc-c', '2026-06-01', 9_999),
    ];
    const facts = new MinuteFacts();
    fill(facts, 'acc-a', JUNE_START, JUNE_END, OK);
    fill(facts, 'acc-b', JUNE_START, JUNE_START + 100, OK);
    fill(facts, 'acc-b', JUNE_START + 100, JUNE_START + 150, PLATFORM);
    fill(facts, 'acc-b', JUNE_START + 150, JUNE_END, OK);
    const reports = evaluate(orders, facts, []);
    const claims = [
      { accountId: 'acc-b', orderId: 'ord-acc-b', month: MONTH, accepted: true, voucher: '60.00' },
      { accountId: 'acc-b', orderId: 'ord-acc-b', month: MONTH, accepted: false, reason: 'duplicate' },
      { accountId: 'acc-a', orderId: 'ord-acc-a', month: MONTH, accepted: false, reason: 'not-eligible' },
    ];

    // act
    const model = buildMonthReportModelFromReport({ serviceMonths: reports, claims, warnings: [] }, facts, {
      month: MONTH,
      timeZone: ZONE,
      windows: [],
      generatedAt: '2026-07-08T02:00:00.000Z',
    });

    // assert
    expect(model.warnings).toEqual([]);
    expect(model.rows.map((r) => [r.accountId, r.unavailableMinutes, r.compensationPercent, r.voucherFen])).toEqual([
      ['acc-a', 0, 0, 0],
      ['acc-b', 50, 10, 6_000],
      ['acc-c', 0, 0, 0],
    ]);
    expect(model.rows[1]?.claims).toEqual({ accepted: 1, rejected: [{ reason: 'duplicate' }] });
    expect(model.rows[2]?.claims).toEqual({ accepted: 0, rejected: [] });
    expect(model.rows[0]?.notices).toBeUndefined();
    expect(model.tiers).toEqual([
      { compensationPercent: 0, serviceMonths: 2, accounts: 2, voucherFen: 0 },
      { compensationPercent: 10, serviceMonths: 1, accounts: 1, voucherFen: 6_000 },
      { compensationPercent: 25, serviceMonths: 0, accounts: 0, voucherFen: 0 },
      { compensationPercent: 100, serviceMonths: 0, accounts: 0, voucherFen: 0 },
    ]);
    expect(model.coverage).toEqual([
      { accountId: 'acc-a', observedMinutes: 30 * DAY, totalMinutes: 30 * DAY },
      { accountId: 'acc-b', observedMinutes: 30 * DAY, totalMinutes: 30 * DAY },
      { accountId: 'acc-c', observedMinutes: 0, totalMinutes: 30 * DAY },
    ]);
    expect(model.strips[1]?.runs).toEqual([
      { startMinute: 0, length: 100, state: 'up' },
      { startMinute: 100, length: 50, state: 'down' },
      { startMinute: 150, length: 30 * DAY - 150, state: 'up' },
    ]);
    expect(model.totals).toMatchObject({ accounts: 3, serviceMonths: 3, missed: 1, feeFen: 99_999, voucherFen: 6_000 });
  });

  it('warns when the facts no longer give the stored counts', () => {
    // arrange: a report saying 5 unavailable minutes, facts with none
    const reports: EvaluatedMonth['report'][] = evaluate([order('acc-w', '2026-06-01', 100)], new MinuteFacts(), []);
    const stale = reports.map((r) => ({ ...r, unavailableMinutes: 5 }));
    // act
    const model = buildMonthReportModelFromReport({ serviceMonths: stale }, new MinuteFacts(), {
      month: MONTH,
      timeZone: ZONE,
      windows: [],
    });
    // assert
    expect(model.warnings).toHaveLength(1);
    expect(model.warnings[0]).toContain('acc-w');
  });
});

describe('the HTML (render-html.ts)', () => {
  const hostile = '<img src=x onerror=alert(1)>&"\'';
  const model = modelOf(
    [
      row(`acc-${hostile}`, {
        orderId: `ord-${hostile}`,
        compensationPercent: 25,
        unavailableMinutes: 1_000,
        availabilityPercent: '97.685185',
        feeFen: 30_000,
        voucherFen: 7_500,
        claimWindow: { opensOn: '2026-07-09', closesOn: '2026-08-29' },
        notices: { windowOpen: 'delivered', reminder: 'none', corrections: [{ version: 2, status: 'enqueued' }] },
        claims: { accepted: 0, rejected: [{ reason: hostile }] },
      }),
      row('acc-2', { voucherFen: 1, compensationPercent: 10, feeFen: 10, unavailableMinutes: 50 }),
      row('acc-3', { voucherFen: 1_234_505, compensationPercent: 100, feeFen: 1_234_505, unavailableMinutes: 9_000 }),
    ],
    [`warning ${hostile}`],
  );
  const pages = { 'zh-CN': renderMonthReport(model, 'zh-CN'), en: renderMonthReport(model, 'en') } as const;

  it.each(['zh-CN', 'en'] as const)('%s: every text is escaped', (language) => {
    const html = pages[language];
    expect(html).not.toContain('<img');
    expect(html).not.toContain(hostile);
    expect(html).toContain(escapeHtml(`acc-${hostile}`));
    expect(html).toContain(escapeHtml(`warning ${hostile}`));
  });

  it.each(['zh-CN', 'en'] as const)('%s: no script, no external resource', (language) => {
    const html = pages[language];
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
    const refs = [...html.matchAll(/\s(?:src|href|xlink:href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(refs).toEqual([language === 'en' ? 'report.html' : 'report.en.html']);
  });

  it.each(['zh-CN', 'en'] as const)('%s: the three charts are inline, non-empty SVG', (language) => {
    const html = pages[language];
    for (const name of ['strip', 'tiers', 'coverage']) {
      const svg = chartSvg(html, name);
      expect(svg, name).toBeDefined();
      expect(svg?.match(/<path /g)?.length ?? 0, name).toBeGreaterThan(0);
      expect(svg, name).toMatch(/<svg role="img" aria-label="[^"]+" width="\d+" height="\d+"/);
      expect(svg, name).not.toMatch(/ecmeta_|<style/);
    }
    // the strip's account labels are escaped by ECharts too
    expect(chartSvg(html, 'strip')).toContain('&lt;img');
  });

  it('totals are summed in fen and printed as yuan', () => {
    // 7 500 + 1 + 1 234 505 fen
    expect(model.totals.voucherFen).toBe(1_242_006);
    expect(pages.en).toContain('¥12,420.06');
    expect(pages['zh-CN']).toContain('¥12,420.06');
    expect([formatFen(0), formatFen(5), formatFen(100), formatFen(123_456_789)]).toEqual([
      '0.00',
      '0.05',
      '1.00',
      '1,234,567.89',
    ]);
    // accounts per tier: one each in 10 %, 25 %, 100 %
    expect(model.tiers.map((t) => t.accounts)).toEqual([0, 1, 1, 1]);
  });

  it('one table row per service month, both languages, each linking the other', () => {
    for (const html of Object.values(pages)) {
      const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html.slice(html.indexOf('class="months"')))?.[1] ?? '';
      expect(body.match(/<tr /g)).toHaveLength(3);
    }
    expect(pages['zh-CN']).toMatch(/<html lang="zh-CN">/);
    expect(pages['zh-CN']).toContain('服务月明细');
    expect(pages['zh-CN']).toContain('已送达');
    expect(pages.en).toMatch(/<html lang="en">/);
    expect(pages.en).toContain('Service months');
    expect(pages.en).toContain('delivered');
  });

  it('renders one account', () => {
    const one = modelOf([row('acc-only')]);
    const html = renderMonthReport(one, 'en');
    expect(chartSvg(html, 'strip')).toBeDefined();
    expect(chartSvg(html, 'coverage')).toContain('acc-only');
  });
});

describe('writeMonthReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'month-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes both HTML files and the model', async () => {
    // arrange
    const model = modelOf([row('acc-1')]);
    // act
    const written = await writeMonthReport(join(dir, MONTH), model);
    // assert
    expect(written.html['zh-CN']).toBe(join(dir, MONTH, 'report.html'));
    expect(written.html.en).toBe(join(dir, MONTH, 'report.en.html'));
    expect(JSON.parse(readFileSync(written.model, 'utf8'))).toEqual(model);
    expect(readFileSync(written.html.en, 'utf8')).toBe(renderMonthReport(model, 'en'));
  });
});
