// The month report as one static HTML file per language: no script, no external resource, every
// chart an inline SVG that ECharts renders here, on the server (SVG renderer, SSR mode).
//
// Charts:
//   - availability strip: one row per account, one column per hour of the month, each column
//     coloured by its worst minute (down, then excluded; grey when at least half of its in-service
//     minutes had no probe result). Drawn as runs of equal columns, so a healthy account is one
//     rectangle, never 44 640 of them; the minute-exact runs are in report-model.json.
//   - compensation tiers: service months per tier;
//   - probe coverage: observed / total minutes per account.

import { BarChart, type BarSeriesOption, CustomChart, type CustomSeriesOption } from 'echarts/charts';
import { GridComponent, type GridComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { DateTime } from 'luxon';
import type { AccountStrip, MonthReportModel, NoticeState, ServiceMonthRow, StripState } from './model.ts';

echarts.use([BarChart, CustomChart, GridComponent, SVGRenderer]);

type ChartOption = echarts.ComposeOption<BarSeriesOption | CustomSeriesOption | GridComponentOption>;

export type ReportLanguage = 'zh-CN' | 'en';
export const REPORT_LANGUAGES: readonly ReportLanguage[] = ['zh-CN', 'en'];
/** The file of each language, side by side in the month's folder (they link to each other). */
export const REPORT_FILES: Readonly<Record<ReportLanguage, string>> = { 'zh-CN': 'report.html', en: 'report.en.html' };

const COLORS: Readonly<Record<StripState, string>> = {
  up: '#34a26b',
  down: '#d83a3a',
  excluded: '#e5a50a',
  'no-data': '#b9c0ca',
  'no-service': '#eef0f3',
};
const TIER_COLORS: Readonly<Record<number, string>> = { 0: '#34a26b', 10: '#e9c53a', 25: '#ee8532', 100: '#d83a3a' };
const FONT = 'system-ui, sans-serif';
const TEXT = '#3b4150';
const GRID_LINE = '#e4e7ec';

interface Texts {
  readonly title: string;
  readonly month: (month: string) => string;
  readonly zone: string;
  readonly generated: string;
  readonly otherLanguage: string;
  readonly cards: {
    readonly accounts: string;
    readonly serviceMonths: string;
    readonly missed: string;
    readonly unavailable: string;
    readonly vouchers: string;
    readonly coverage: string;
  };
  readonly strip: { readonly title: string; readonly hint: string; readonly label: string };
  readonly states: Readonly<Record<StripState, string>>;
  readonly tiers: {
    readonly title: string;
    readonly label: string;
    readonly name: (percent: number) => string;
    /** the badge of a service month that met the commitment */
    readonly met: string;
  };
  readonly tierTable: {
    readonly tier: string;
    readonly serviceMonths: string;
    readonly accounts: string;
    readonly vouchers: string;
    readonly total: string;
  };
  readonly coverage: { readonly title: string; readonly hint: (min: number) => string; readonly label: string };
  readonly table: {
    readonly title: string;
    readonly account: string;
    readonly availability: string;
    readonly unavailable: string;
    readonly excluded: string;
    readonly coverage: string;
    readonly tier: string;
    readonly fee: string;
    readonly voucher: string;
    readonly claimWindow: string;
    readonly notices: string;
    readonly claims: string;
    readonly total: string;
    readonly counts: (accounts: string, serviceMonths: string) => string;
    readonly calendarAssumed: string;
    readonly unknown: string;
  };
  readonly notice: {
    readonly windowOpen: string;
    readonly reminder: string;
    readonly corrections: string;
    /** by notice status; a status not listed shows as it is */
    readonly states: Readonly<Record<string, string>>;
  };
  readonly claim: {
    readonly accepted: string;
    readonly rejected: string;
    readonly reasons: Readonly<Record<string, string>>;
  };
  readonly warnings: string;
  readonly footer: string;
  readonly minutes: string;
}

const TEXTS: Readonly<Record<ReportLanguage, Texts>> = {
  'zh-CN': {
    title: 'TCMPP 服务等级月度报告',
    month: (month) => `${month.slice(0, 4)} 年 ${Number(month.slice(5, 7))} 月`,
    zone: '时区',
    generated: '生成于',
    otherLanguage: 'English',
    cards: {
      accounts: '账号',
      serviceMonths: '服务月',
      missed: '未达承诺',
      unavailable: '不可用分钟',
      vouchers: '代金券合计',
      coverage: '探测覆盖率',
    },
    strip: {
      title: '分钟级可用性',
      hint: '每行一个账号，每列一小时，按该小时内最差的分钟着色（不可用优先于排除）；该小时服务时段内至少一半分钟没有探测结果时显示为灰色。逐分钟数据见 report-model.json。',
      label: '各账号按小时的可用性条带',
    },
    states: {
      up: '可用',
      down: '不可用',
      excluded: '已排除（§4）',
      'no-data': '无探测数据',
      'no-service': '不在服务期',
    },
    tiers: {
      title: '赔付档位分布',
      label: '各赔付档位的服务月数',
      name: (p) => (p === 0 ? '达标 0%' : `赔付 ${p}%`),
      met: '达标',
    },
    tierTable: { tier: '档位', serviceMonths: '服务月', accounts: '账号', vouchers: '代金券（元）', total: '合计' },
    coverage: {
      title: '探测覆盖率',
      hint: (min) => `有探测结果的分钟占服务分钟的比例；低于 ${min}% 的账号以黄色标出。`,
      label: '各账号的探测覆盖率',
    },
    table: {
      title: '服务月明细',
      account: '账号 / 订单 · 服务日期',
      availability: '可用性',
      unavailable: '不可用分钟',
      excluded: '排除分钟（按条款）',
      coverage: '探测覆盖',
      tier: '赔付',
      fee: '月费（元）',
      voucher: '代金券（元）',
      claimWindow: '索赔窗口',
      notices: '通知',
      claims: '索赔',
      total: '合计',
      counts: (accounts, months) => `${accounts} 个账号 · ${months} 个服务月`,
      calendarAssumed: '日历按仅工作日推定',
      unknown: '—',
    },
    notice: {
      windowOpen: '开窗',
      reminder: '提醒',
      corrections: '更正',
      states: {
        none: '未发',
        pending: '待发',
        enqueued: '已入队',
        delivered: '已送达',
        failed: '失败',
        superseded: '已被取代',
      },
    },
    claim: {
      accepted: '受理',
      rejected: '驳回',
      reasons: {
        'missing-materials': '材料缺失',
        'wrong-channel': '渠道不符',
        'unknown-order': '订单不存在',
        'not-eligible': '未违约',
        'window-not-open': '窗口未开',
        'window-closed': '窗口已关',
        duplicate: '重复索赔',
      },
    },
    warnings: '提示',
    footer:
      '可用性 = 1 − 不可用分钟 / 服务分钟；赔付档位以整数比较判定（≥ 99.9% 达标，≥ 99% 赔 10%，≥ 95% 赔 25%，否则 100%）。金额以分计算，代金券仅可用于本服务。',
    minutes: '分钟',
  },
  en: {
    title: 'TCMPP SLA month report',
    month: (month) => DateTime.fromISO(`${month}-01`, { locale: 'en' }).toFormat('LLLL yyyy'),
    zone: 'Time zone',
    generated: 'Generated',
    otherLanguage: '中文',
    cards: {
      accounts: 'Accounts',
      serviceMonths: 'Service months',
      missed: 'Commitment missed',
      unavailable: 'Unavailable minutes',
      vouchers: 'Vouchers total',
      coverage: 'Probe coverage',
    },
    strip: {
      title: 'Minute-level availability',
      hint: 'One row per account, one column per hour, coloured by its worst minute (unavailable before excluded); grey where at least half of the hour’s in-service minutes had no probe result. The minute-exact runs are in report-model.json.',
      label: 'Hourly availability strip of every account',
    },
    states: {
      up: 'Available',
      down: 'Unavailable',
      excluded: 'Excluded (§4)',
      'no-data': 'No probe data',
      'no-service': 'Not in service',
    },
    tiers: {
      title: 'Compensation tiers',
      label: 'Service months per compensation tier',
      name: (p) => (p === 0 ? 'Met 0%' : `${p}% comp.`),
      met: 'met',
    },
    tierTable: {
      tier: 'Tier',
      serviceMonths: 'Service months',
      accounts: 'Accounts',
      vouchers: 'Vouchers (CNY)',
      total: 'Total',
    },
    coverage: {
      title: 'Probe coverage',
      hint: (min) => `Minutes with a probe result, as a share of the service minutes; accounts below ${min}% in amber.`,
      label: 'Probe coverage of every account',
    },
    table: {
      title: 'Service months',
      account: 'Account / order · service days',
      availability: 'Availability',
      unavailable: 'Unavailable min',
      excluded: 'Excluded min (clause)',
      coverage: 'Coverage',
      tier: 'Comp.',
      fee: 'Fee (CNY)',
      voucher: 'Voucher (CNY)',
      claimWindow: 'Claim window',
      notices: 'Notices',
      claims: 'Claims',
      total: 'Total',
      counts: (accounts, months) => `${accounts} accounts · ${months} service months`,
      calendarAssumed: 'calendar assumed weekdays only',
      unknown: '—',
    },
    notice: {
      windowOpen: 'window',
      reminder: 'reminder',
      corrections: 'corrections',
      states: {
        none: 'not sent',
        pending: 'pending',
        enqueued: 'enqueued',
        delivered: 'delivered',
        failed: 'failed',
        superseded: 'superseded',
      },
    },
    claim: {
      accepted: 'accepted',
      rejected: 'rejected',
      reasons: {
        'missing-materials': 'missing materials',
        'wrong-channel': 'wrong channel',
        'unknown-order': 'unknown order',
        'not-eligible': 'not eligible',
        'window-not-open': 'window not open',
        'window-closed': 'window closed',
        duplicate: 'duplicate',
      },
    },
    warnings: 'Warnings',
    footer:
      'Availability = 1 − unavailable minutes / service minutes; tiers are decided by integer comparison (≥ 99.9 % met, ≥ 99 % 10 %, ≥ 95 % 25 %, else 100 %). Money is counted in fen; vouchers are usable for this service only.',
    minutes: 'min',
  },
};

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Integer fen as yuan with grouped digits and exactly 2 decimals: 123456 → "1,234.56". */
export const formatFen = (fen: number): string => {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${sign}${grouped((abs - cents) / 100)}.${cents < 10 ? '0' : ''}${cents}`;
};

const percentOf = (part: number, whole: number): string =>
  whole === 0 ? '—' : `${((part * 100) / whole).toFixed(2)}%`;

// ---------------------------------------------------------------------------------------------
// Charts

/** Renders an option to an SVG string and disposes the chart. */
const renderSvg = (option: ChartOption, width: number, height: number, label: string): string => {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: TEXT }, ...option });
    return tidySvg(chart.renderToSVGString(), label);
  } finally {
    chart.dispose();
  }
};

/**
 * Drops what an inline, script-free SVG has no use for: namespace declarations (the HTML parser
 * puts <svg> in the SVG namespace), hover styles and the hydration attributes of ECharts' SSR.
 */
const tidySvg = (svg: string, label: string): string =>
  svg
    .replace(/ xmlns(?::xlink)?="[^"]*"/g, '')
    .replace(/ ecmeta_[a-z_]+="[^"]*"/g, '')
    .replace(/ pointer-events="visible"/g, '')
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    .replace(/<style[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(label)}" `);

const STATE_INDEX: Readonly<Record<StripState, number>> = {
  up: 0,
  down: 1,
  excluded: 2,
  'no-data': 3,
  'no-service': 4,
};
const STATE_BY_INDEX: readonly StripState[] = ['up', 'down', 'excluded', 'no-data', 'no-service'];

/** The state of each hour of the month for the strip chart (see the head of this file). */
export const hourStates = (strip: AccountStrip, monthMinutes: number): StripState[] => {
  const hours = Math.ceil(monthMinutes / 60);
  const counts = new Int32Array(hours * 5);
  for (const run of strip.runs) {
    const s = STATE_INDEX[run.state];
    let minute = run.startMinute;
    const end = run.startMinute + run.length;
    while (minute < end) {
      const hour = Math.floor(minute / 60);
      const next = Math.min(end, (hour + 1) * 60);
      counts[hour * 5 + s] = (counts[hour * 5 + s] ?? 0) + (next - minute);
      minute = next;
    }
  }
  const states: StripState[] = [];
  for (let h = 0; h < hours; h++) {
    const [up = 0, down = 0, excluded = 0, noData = 0] = counts.subarray(h * 5, h * 5 + 4);
    const inService = up + down + excluded + noData;
    if (inService === 0) states.push('no-service');
    else if (down > 0) states.push('down');
    else if (excluded > 0) states.push('excluded');
    else if (2 * noData >= inService) states.push('no-data');
    else states.push('up');
  }
  return states;
};

const stripChart = (model: MonthReportModel, t: Texts): string => {
  const hours = Math.ceil(model.monthMinutes / 60);
  const accounts = model.strips.map((s) => s.accountId);
  const data: number[][] = [];
  model.strips.forEach((strip, row) => {
    const states = hourStates(strip, model.monthMinutes);
    for (let h = 0; h < states.length; ) {
      let end = h + 1;
      while (end < states.length && states[end] === states[h]) end++;
      data.push([row, h, end, STATE_INDEX[states[h] ?? 'no-service']]);
      h = end;
    }
  });
  const rowHeight = accounts.length > 20 ? 16 : 24;
  const top = 8;
  const bottom = 28;
  const height = top + bottom + rowHeight * Math.max(1, accounts.length);
  return renderSvg(
    {
      grid: { left: 128, right: 16, top, bottom },
      xAxis: {
        type: 'value',
        min: 0,
        max: hours,
        interval: 24,
        axisLabel: { fontSize: 11, showMaxLabel: false, formatter: (v: number) => String(v / 24 + 1) },
        axisLine: { show: false },
        axisTick: { show: false },
        splitLine: { show: true, lineStyle: { color: '#ffffff', width: 1 } },
        z: 10,
      },
      yAxis: {
        type: 'category',
        data: accounts,
        inverse: true,
        axisLine: { show: false },
        axisTick: { show: false },
        axisLabel: { fontSize: 11, width: 118, overflow: 'truncate' },
      },
      series: [
        {
          type: 'custom',
          encode: { x: [1, 2], y: 0 },
          data,
          renderItem: (_params, api) => {
            const start = api.coord([api.value(1), api.value(0)]);
            const end = api.coord([api.value(2), api.value(0)]);
            const band = (api.size?.([0, 1]) as number[] | undefined)?.[1] ?? rowHeight;
            const h = Math.max(2, band * 0.72);
            const x = start[0] ?? 0;
            return {
              type: 'rect',
              shape: { x, y: (start[1] ?? 0) - h / 2, width: Math.max(1, (end[0] ?? 0) - x), height: h },
              style: { fill: COLORS[STATE_BY_INDEX[Number(api.value(3))] ?? 'no-service'] },
            };
          },
        },
      ],
    },
    1160,
    height,
    t.strip.label,
  );
};

const tierChart = (model: MonthReportModel, t: Texts): string =>
  renderSvg(
    {
      grid: { left: 40, right: 12, top: 24, bottom: 28 },
      xAxis: {
        type: 'category',
        data: model.tiers.map((tier) => t.tiers.name(tier.compensationPercent)),
        axisTick: { show: false },
        axisLabel: { fontSize: 11 },
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        axisLabel: { fontSize: 11 },
        splitLine: { lineStyle: { color: GRID_LINE } },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 56,
          label: { show: true, position: 'top', fontSize: 12, color: TEXT },
          data: model.tiers.map((tier) => ({
            value: tier.serviceMonths,
            itemStyle: { color: TIER_COLORS[tier.compensationPercent] ?? TEXT, borderRadius: [3, 3, 0, 0] },
          })),
        },
      ],
    },
    480,
    260,
    t.tiers.label,
  );

/** Vertical bars for many accounts (labels turned), horizontal bars, one row each, for a few. */
const coverageChart = (model: MonthReportModel, t: Texts): string => {
  const many = model.coverage.length > 12;
  const min = model.coverageMinPercent;
  const accounts = {
    type: 'category' as const,
    data: model.coverage.map((c) => c.accountId),
    inverse: !many,
    axisTick: { show: false },
    axisLabel: {
      fontSize: 11,
      interval: 0,
      rotate: many ? 90 : 0,
      width: many ? 64 : 118,
      overflow: 'truncate' as const,
    },
  };
  const percent = {
    type: 'value' as const,
    min: 0,
    max: 100,
    interval: 25,
    axisLabel: { fontSize: 11, formatter: '{value}%' },
    splitLine: { lineStyle: { color: GRID_LINE } },
  };
  const bars: BarSeriesOption = {
    type: 'bar',
    barMaxWidth: many ? 40 : 18,
    label: { show: !many, position: 'right', fontSize: 11, color: TEXT, formatter: '{c}%' },
    data: model.coverage.map((c) => {
      const share = c.totalMinutes === 0 ? 0 : (c.observedMinutes * 100) / c.totalMinutes;
      return {
        value: Math.round(share * 100) / 100,
        itemStyle: { color: 100 * c.observedMinutes < min * c.totalMinutes ? COLORS.excluded : '#4a7fd4' },
      };
    }),
  };
  return many
    ? renderSvg(
        { grid: { left: 48, right: 16, top: 16, bottom: 72 }, xAxis: accounts, yAxis: percent, series: [bars] },
        1160,
        300,
        t.coverage.label,
      )
    : renderSvg(
        { grid: { left: 128, right: 64, top: 8, bottom: 28 }, xAxis: percent, yAxis: accounts, series: [bars] },
        1160,
        36 + 28 * Math.max(1, model.coverage.length),
        t.coverage.label,
      );
};

// ---------------------------------------------------------------------------------------------
// The page

const CSS = `
:root { color-scheme: light; --ink: #1f2430; --muted: #5d6575; --line: #e4e7ec; --panel: #ffffff; --page: #f5f6f8;
  --up: ${COLORS.up}; --down: ${COLORS.down}; --excluded: ${COLORS.excluded}; --nodata: ${COLORS['no-data']}; --noservice: ${COLORS['no-service']}; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 40px; }
header.top { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; margin-bottom: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; font-weight: 650; }
h1 .month { color: var(--muted); font-weight: 500; margin-left: 8px; }
h2 { font-size: 16px; margin: 0 0 6px; font-weight: 620; }
.meta, .hint { color: var(--muted); font-size: 12.5px; margin: 0; }
.hint { margin-bottom: 10px; max-width: 88ch; }
nav.lang a, nav.lang span { display: inline-block; padding: 4px 12px; border: 1px solid var(--line); border-radius: 999px;
  font-size: 13px; text-decoration: none; color: var(--ink); background: var(--panel); }
nav.lang span { background: var(--ink); color: #fff; border-color: var(--ink); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card.alert .value { color: var(--down); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; }
.split { display: grid; grid-template-columns: minmax(0, 480px) minmax(0, 1fr); gap: 24px; align-items: center; }
figure { margin: 0; }
figure svg { display: block; width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 0 0 10px; font-size: 12.5px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.sw-up { background: var(--up); } .sw-down { background: var(--down); } .sw-excluded { background: var(--excluded); }
.sw-no-data { background: var(--nodata); } .sw-no-service { background: var(--noservice); border: 1px solid var(--line); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #fafbfc; color: var(--muted); font-weight: 600; vertical-align: bottom; }
tfoot td { font-weight: 650; border-top: 2px solid var(--line); border-bottom: none; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfbfd; }
tbody tr.missed td:first-child { box-shadow: inset 3px 0 0 var(--tier); }
.tier { display: inline-block; white-space: nowrap; min-width: 44px; text-align: center; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #fff; background: var(--tier); }
.tier.t0 { color: #1d5e3d; background: #dff3e8; }
.muted { color: var(--muted); }
.small { font-size: 11.5px; color: var(--muted); }
.ok { color: #1d7a4a; } .bad { color: var(--down); }
ul.plain { list-style: none; margin: 0; padding: 0; }
.warnings ul { margin: 0; padding-left: 18px; color: #8a5a00; }
footer { color: var(--muted); font-size: 12px; margin-top: 8px; }
@media (max-width: 760px) { .split { grid-template-columns: 1fr; } header.top { flex-direction: column; } }
@media print { body { background: #fff; } .panel, .card { border-color: #ccc; } nav.lang { display: none; } }
`;

const tierStyle = (percent: number): string => `--tier: ${TIER_COLORS[percent] ?? TEXT}`;

const tierBadge = (percent: number, t: Texts): string =>
  `<span class="tier t${percent}" style="${tierStyle(percent)}">${escapeHtml(percent === 0 ? t.tiers.met : `${percent}%`)}</span>`;

const excludedText = (byClause: Readonly<Record<string, number>>): string => {
  const entries = Object.entries(byClause).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '<span class="muted">0</span>';
  const total = entries.reduce((n, [, m]) => n + m, 0);
  const parts = entries.map(([clause, m]) => `§${escapeHtml(clause)}&nbsp;${grouped(m)}`).join(' · ');
  return `${grouped(total)}<div class="small">${parts}</div>`;
};

const noticeText = (row: ServiceMonthRow, t: Texts): string => {
  const n = row.notices;
  if (n === undefined) return `<span class="muted">${escapeHtml(t.table.unknown)}</span>`;
  const state = (s: NoticeState): string =>
    `<span class="${s === 'delivered' ? 'ok' : s === 'failed' ? 'bad' : 'muted'}">${escapeHtml(t.notice.states[s] ?? s)}</span>`;
  if (row.compensationPercent === 0 && n.windowOpen === 'none' && n.reminder === 'none' && n.corrections.length === 0) {
    return `<span class="muted">${escapeHtml(t.table.unknown)}</span>`;
  }
  // the window-open notice always (not sent is news); a reminder or corrections once there are any
  const lines = [`${escapeHtml(t.notice.windowOpen)}: ${state(n.windowOpen)}`];
  if (n.reminder !== 'none') lines.push(`${escapeHtml(t.notice.reminder)}: ${state(n.reminder)}`);
  if (n.corrections.length > 0) {
    const last = n.corrections[n.corrections.length - 1];
    lines.push(`${escapeHtml(t.notice.corrections)} ×${n.corrections.length}${last ? `: ${state(last.status)}` : ''}`);
  }
  return `<ul class="plain">${lines.map((l) => `<li>${l}</li>`).join('')}</ul>`;
};

const claimText = (row: ServiceMonthRow, t: Texts): string => {
  const c = row.claims;
  if (c === undefined) return `<span class="muted">${escapeHtml(t.table.unknown)}</span>`;
  if (c.accepted === 0 && c.rejected.length === 0) return '<span class="muted">0</span>';
  const parts: string[] = [];
  if (c.accepted > 0) parts.push(`<span class="ok">${escapeHtml(t.claim.accepted)} ${c.accepted}</span>`);
  if (c.rejected.length > 0) {
    const reasons = c.rejected.map((r) => t.claim.reasons[r.reason] ?? r.reason);
    parts.push(
      `<span class="bad">${escapeHtml(t.claim.rejected)} ${c.rejected.length}</span> <span class="small">(${escapeHtml(reasons.join(', '))})</span>`,
    );
  }
  return parts.join('<br>');
};

const windowText = (row: ServiceMonthRow, t: Texts): string => {
  const w = row.claimWindow;
  if (w === null) return `<span class="muted">${escapeHtml(t.table.unknown)}</span>`;
  const assumed = w.calendarAssumed ? `<br><span class="small">${escapeHtml(t.table.calendarAssumed)}</span>` : '';
  return `${escapeHtml(w.opensOn)} →<br>${escapeHtml(w.closesOn)}${assumed}`;
};

const rowHtml = (row: ServiceMonthRow, t: Texts): string => {
  const missed = row.compensationPercent > 0;
  const version = row.version === undefined ? '' : ` v${row.version}`;
  return [
    `<tr class="${missed ? 'missed' : 'met'}" style="${tierStyle(row.compensationPercent)}">`,
    `<td class="nowrap"><div>${escapeHtml(row.accountId)}</div><div class="small">${escapeHtml(row.orderId)}${version} · `,
    `${escapeHtml(row.firstDay.slice(5))} – ${escapeHtml(row.lastDay.slice(5))}</div></td>`,
    `<td class="num">${escapeHtml(row.availabilityPercent)}%</td>`,
    `<td class="num${row.unavailableMinutes > 0 ? ' bad' : ''}">${grouped(row.unavailableMinutes)}</td>`,
    `<td class="nowrap">${excludedText(row.excludedMinutes)}</td>`,
    `<td class="num">${percentOf(row.observedMinutes, row.totalMinutes)}</td>`,
    `<td>${tierBadge(row.compensationPercent, t)}</td>`,
    `<td class="num">${formatFen(row.feeFen)}</td>`,
    `<td class="num">${row.voucherFen > 0 ? `<strong>${formatFen(row.voucherFen)}</strong>` : formatFen(row.voucherFen)}</td>`,
    `<td class="nowrap">${windowText(row, t)}</td>`,
    `<td class="nowrap">${noticeText(row, t)}</td>`,
    `<td>${claimText(row, t)}</td>`,
    '</tr>',
  ].join('');
};

const tableHtml = (model: MonthReportModel, t: Texts): string => {
  const h = t.table;
  const head = [
    [h.account, ''],
    [h.availability, 'num'],
    [h.unavailable, 'num'],
    [h.excluded, ''],
    [h.coverage, 'num'],
    [h.tier, ''],
    [h.fee, 'num'],
    [h.voucher, 'num'],
    [h.claimWindow, ''],
    [h.notices, ''],
    [h.claims, ''],
  ]
    .map(([label, cls]) => `<th scope="col"${cls ? ` class="${cls}"` : ''}>${escapeHtml(label ?? '')}</th>`)
    .join('');
  const x = model.totals;
  const foot = [
    `<td><div>${escapeHtml(h.total)}</div><div class="small">${escapeHtml(h.counts(grouped(x.accounts), grouped(x.serviceMonths)))}</div></td>`,
    '<td></td>',
    `<td class="num">${grouped(x.unavailableMinutes)}</td>`,
    `<td>${grouped(x.excludedMinutes)}</td>`,
    `<td class="num">${percentOf(x.observedMinutes, x.totalMinutes)}</td>`,
    `<td>${grouped(x.missed)}</td>`,
    `<td class="num">${formatFen(x.feeFen)}</td>`,
    `<td class="num">${formatFen(x.voucherFen)}</td>`,
    '<td colspan="3"></td>',
  ].join('');
  return [
    '<div class="scroll"><table class="months">',
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>${model.rows.map((r) => rowHtml(r, t)).join('\n')}</tbody>`,
    `<tfoot><tr>${foot}</tr></tfoot>`,
    '</table></div>',
  ].join('\n');
};

const tierTableHtml = (model: MonthReportModel, t: Texts): string => {
  const h = t.tierTable;
  const rows = model.tiers
    .map(
      (tier) =>
        `<tr><td>${tierBadge(tier.compensationPercent, t)}</td><td class="num">${grouped(tier.serviceMonths)}</td>` +
        `<td class="num">${grouped(tier.accounts)}</td><td class="num">${formatFen(tier.voucherFen)}</td></tr>`,
    )
    .join('');
  const x = model.totals;
  return [
    '<table class="tiers">',
    `<thead><tr><th scope="col">${escapeHtml(h.tier)}</th><th scope="col" class="num">${escapeHtml(h.serviceMonths)}</th>`,
    `<th scope="col" class="num">${escapeHtml(h.accounts)}</th><th scope="col" class="num">${escapeHtml(h.vouchers)}</th></tr></thead>`,
    `<tbody>${rows}</tbody>`,
    `<tfoot><tr><td>${escapeHtml(h.total)}</td><td class="num">${grouped(x.serviceMonths)}</td>`,
    `<td class="num">${grouped(x.accounts)}</td><td class="num">${formatFen(x.voucherFen)}</td></tr></tfoot>`,
    '</table>',
  ].join('');
};

const card = (label: string, value: string, alert = false): string =>
  `<div class="card${alert ? ' alert' : ''}"><div class="label">${escapeHtml(label)}</div><div class="value">${value}</div></div>`;

const generatedText = (model: MonthReportModel): string => {
  const at = DateTime.fromISO(model.generatedAt, { zone: model.timeZone });
  return at.isValid ? at.toFormat('yyyy-MM-dd HH:mm') : model.generatedAt;
};

/** The month report in one language: one self-contained HTML document, no script. */
export const renderMonthReport = (model: MonthReportModel, language: ReportLanguage): string => {
  const t = TEXTS[language];
  const other: ReportLanguage = language === 'en' ? 'zh-CN' : 'en';
  const x = model.totals;
  const legend = (['up', 'down', 'excluded', 'no-data', 'no-service'] as const)
    .map((s) => `<li><i class="sw-${s}"></i>${escapeHtml(t.states[s])}</li>`)
    .join('');
  const warnings =
    model.warnings.length === 0
      ? ''
      : `<section class="panel warnings"><h2>${escapeHtml(t.warnings)}</h2><ul>${model.warnings
          .map((w) => `<li>${escapeHtml(w)}</li>`)
          .join('')}</ul></section>`;
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tcmpp-sla ${escapeHtml(model.schema)}">
<title>${escapeHtml(`${t.title} · ${model.month}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="top">
<div>
<h1>${escapeHtml(t.title)}<span class="month">${escapeHtml(t.month(model.month))}</span></h1>
<p class="meta">${escapeHtml(t.zone)}: ${escapeHtml(model.timeZone)} · ${escapeHtml(t.generated)}: ${escapeHtml(generatedText(model))}</p>
</div>
<nav class="lang"><span aria-current="page">${escapeHtml(TEXTS[other].otherLanguage)}</span> <a href="${REPORT_FILES[other]}" hreflang="${other}" lang="${other}">${escapeHtml(t.otherLanguage)}</a></nav>
</header>
<section class="cards">
${card(t.cards.accounts, grouped(x.accounts))}
${card(t.cards.serviceMonths, grouped(x.serviceMonths))}
${card(t.cards.missed, grouped(x.missed), x.missed > 0)}
${card(t.cards.unavailable, grouped(x.unavailableMinutes), x.unavailableMinutes > 0)}
${card(t.cards.vouchers, `¥${formatFen(x.voucherFen)}`, x.voucherFen > 0)}
${card(t.cards.coverage, percentOf(x.observedMinutes, x.totalMinutes))}
</section>
<section class="panel" id="strip">
<h2>${escapeHtml(t.strip.title)}</h2>
<p class="hint">${escapeHtml(t.strip.hint)}</p>
<ul class="legend">${legend}</ul>
<figure class="chart chart-strip">${stripChart(model, t)}</figure>
</section>
<section class="panel" id="tiers">
<h2>${escapeHtml(t.tiers.title)}</h2>
<div class="split">
<figure class="chart chart-tiers">${tierChart(model, t)}</figure>
${tierTableHtml(model, t)}
</div>
</section>
<section class="panel" id="coverage">
<h2>${escapeHtml(t.coverage.title)}</h2>
<p class="hint">${escapeHtml(t.coverage.hint(model.coverageMinPercent))}</p>
<figure class="chart chart-coverage">${coverageChart(model, t)}</figure>
</section>
<section class="panel" id="months">
<h2>${escapeHtml(t.table.title)}</h2>
${tableHtml(model, t)}
</section>
${warnings}
<footer>${escapeHtml(t.footer)}</footer>
</main>
</body>
</html>
`;
};
