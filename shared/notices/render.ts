// A notice as a customer reads it (SPEC R11): a subject, a plain-text part and an HTML part with the
// same facts, in Simplified Chinese or English, for each kind of notice — window-open (the claim
// window is open), reminder (the window closes on closesOn), correction (what was told before, and
// what is true now).
//
// Primary course:
//   1. take the facts of R11 from named fields of the notice and its report, one by one — nothing
//      else reaches a customer (R12: a field the report or notice may carry beyond them never
//      leaves; excluded minutes only under the clauses of §4)
//   2. word them for the notice's kind and the language: a lead, rows of facts, how to claim
//   3. the plain text as it is; the HTML self-contained (no script, no link, no image, no external
//      style), every value HTML-escaped
//
// Nothing here reads the clock: a reminder states closesOn, never a count of days left (the text
// would be wrong the day after it was rendered, and a redelivered notice must say the same thing).

import type { NoticeRecord, Told } from '#adapters/dynamodb/notice-repository.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import { CLAUSES, type Clause } from '#domain/probe.ts';

export type Language = 'zh-CN' | 'en';

export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What a notice is rendered from: the notice and the report of the version it announces. */
export interface NoticeToRender {
  readonly notice: NoticeRecord;
  readonly report: ServiceMonthReport;
}

type ClaimWindowDates = { readonly opensOn: string; readonly closesOn: string } | null;

// ---------------------------------------------------------------------------------------------
// Facts shared with the webhook channel

/** How to claim (§3.2, §3.3): a ticket giving the user id (the account id) and the order id, within the window. */
export const howToClaimText = (
  language: Language,
  accountId: string,
  orderId: string,
  window: ClaimWindowDates,
): string => {
  if (language === 'zh-CN') {
    const when = window ? `请在 ${window.opensOn} 至 ${window.closesOn} 期间` : '请';
    return `${when}提交工单申请赔偿，注明用户 ID ${accountId} 和订单号 ${orderId}。`;
  }
  const when = window ? ` between ${window.opensOn} and ${window.closesOn}` : '';
  return `Open a ticket${when} to claim the voucher, giving your user id ${accountId} and order id ${orderId}.`;
};

const CLAUSE_ORDER: readonly Clause[] = CLAUSES.filter((c): c is Clause => c !== '');

/**
 * The excluded minutes of a report under the clauses of §4 only, in clause order: a key that is
 * not a clause (whatever a report may carry) and a count that is not a whole number are dropped.
 */
export const excludedMinutesOf = (excludedMinutes: Readonly<Record<string, unknown>>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const clause of CLAUSE_ORDER) {
    if (!Object.hasOwn(excludedMinutes, clause)) continue;
    const minutes = excludedMinutes[clause];
    if (typeof minutes === 'number' && Number.isSafeInteger(minutes) && minutes >= 0) out[clause] = minutes;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Wording

/** What each clause of §4 excludes, as the customer is told it. */
const CLAUSE_TEXT: Readonly<Record<Language, Readonly<Record<Clause, string>>>> = {
  'zh-CN': {
    '4.1': '提前通知的系统维护',
    '4.2': '腾讯云以外的网络或设备故障',
    '4.3': '客户的应用或数据遭受攻击',
    '4.4': '客户方凭证丢失或泄露',
    '4.5': '客户误操作、自有设备或第三方软件',
    '4.6': '未按产品文档使用',
    '4.7': '其他非腾讯云原因',
    '4.8': '因客户违约而限制服务',
    '4.9': '依法律法规或公开规则免责',
  },
  en: {
    '4.1': 'maintenance announced in advance',
    '4.2': 'network or devices outside Tencent Cloud',
    '4.3': 'an attack on your application or data',
    '4.4': 'credentials lost or leaked on your side',
    '4.5': 'misoperation, your own devices or third-party software',
    '4.6': 'use against the product documentation',
    '4.7': 'other causes outside Tencent Cloud',
    '4.8': 'service restricted for a breach of terms',
    '4.9': 'exempt by law or published rules',
  },
};

interface Words {
  readonly title: Record<NoticeRecord['kind'], (f: Facts) => string>;
  readonly lead: Record<NoticeRecord['kind'], (f: Facts) => string>;
  readonly labels: {
    readonly account: string;
    readonly order: string;
    readonly month: string;
    readonly availability: string;
    readonly unavailable: string;
    readonly excluded: string;
    readonly tier: string;
    readonly voucher: string;
    readonly opensOn: string;
    readonly closesOn: string;
    readonly before: string;
    readonly howToClaim: string;
  };
  readonly month: (f: Facts) => string;
  readonly unavailable: (f: Facts) => string;
  readonly excluded: (clause: Clause, minutes: number) => string;
  readonly noExcluded: string;
  readonly tier: (percent: number) => string;
  readonly voucher: (amount: string) => string;
  readonly told: (told: Told) => string;
  readonly closesOn: (day: string) => string;
  readonly noClaim: string;
  readonly voucherTerms: string;
  readonly reference: (noticeId: string) => string;
}

const ZH: Words = {
  title: {
    'window-open': (f) => `TCMPP SLA 赔偿通知：订单 ${f.orderId} ${f.month} 服务月赔偿申请已开放`,
    reminder: (f) =>
      `TCMPP SLA 赔偿申请提醒：订单 ${f.orderId} ${f.month} 服务月的申请将于 ${f.window?.closesOn ?? '—'} 截止`,
    correction: (f) => `TCMPP SLA 赔偿更正通知：订单 ${f.orderId} ${f.month} 服务月`,
  },
  lead: {
    'window-open': (f) =>
      `您好！账号 ${f.accountId} 的订单 ${f.orderId} 在 ${f.month} 服务月的服务可用性未达到 99.9% 的服务承诺。` +
      '您可申请代金券作为赔偿，赔偿申请期现已开放。',
    reminder: (f) =>
      `您好！账号 ${f.accountId} 的订单 ${f.orderId} 在 ${f.month} 服务月可获得代金券赔偿，我们尚未收到您对该服务月的赔偿申请。` +
      `申请期将于 ${f.window?.closesOn ?? '—'}（含当日）截止，逾期未申请视为放弃赔偿权利。如您已提交申请，请忽略本提醒。`,
    correction: (f) =>
      `您好！经重新计算，账号 ${f.accountId} 的订单 ${f.orderId} 在 ${f.month} 服务月的赔偿有所变更。` +
      `${f.previous ? `此前通知：${ZH.told(f.previous)}。` : ''}现更正为：${ZH.told(f)}。以下信息取代此前通知的内容。`,
  },
  labels: {
    account: '账号（用户 ID）',
    order: '订单号',
    month: '服务月',
    availability: '服务可用性',
    unavailable: '不可用时长',
    excluded: '免责时长（不计入不可用时长）',
    tier: '赔偿标准',
    voucher: '代金券金额',
    opensOn: '申请开始日期',
    closesOn: '申请截止日期',
    before: '此前通知',
    howToClaim: '申请方式',
  },
  month: (f) => `${f.month}（${f.firstDay} 至 ${f.lastDay}）`,
  unavailable: (f) => `${f.unavailableMinutes} 分钟（共 ${f.totalMinutes} 分钟）`,
  excluded: (clause, minutes) => `第 ${clause} 条（${CLAUSE_TEXT['zh-CN'][clause]}）：${minutes} 分钟`,
  noExcluded: '无',
  tier: (percent) => (percent === 0 ? '0%（已达到服务承诺，无赔偿）' : `月度服务费的 ${percent}%`),
  voucher: (amount) => `${amount} 元（人民币）`,
  told: (told) => `赔偿标准为${ZH.tier(told.compensationPercent)}，代金券 ${told.voucher} 元`,
  closesOn: (day) => `${day}（含当日）`,
  noClaim: '该服务月已达到服务承诺，无需申请赔偿。',
  voucherTerms: '代金券仅可用于本服务，不可兑换现金，不可转让。逾期未申请视为放弃赔偿权利。',
  reference: (noticeId) => `通知编号：${noticeId}。本邮件由 TCMPP SLA 系统自动发送。`,
};

const EN: Words = {
  title: {
    'window-open': (f) =>
      `TCMPP SLA: compensation for order ${f.orderId}, service month ${f.month} — claim window open`,
    reminder: (f) =>
      `TCMPP SLA reminder: the claim window for order ${f.orderId}, service month ${f.month} closes on ${f.window?.closesOn ?? '—'}`,
    correction: (f) => `TCMPP SLA correction: compensation for order ${f.orderId}, service month ${f.month}`,
  },
  lead: {
    'window-open': (f) =>
      `Hello, the availability of account ${f.accountId}, order ${f.orderId} fell short of the 99.9% commitment ` +
      `in service month ${f.month}. You can claim a voucher as compensation: the claim window is open now.`,
    reminder: (f) =>
      `Hello, account ${f.accountId}, order ${f.orderId} earns a voucher for service month ${f.month}, and we have ` +
      `not received a claim for it. The claim window closes on ${f.window?.closesOn ?? '—'} (the last day a claim is ` +
      'accepted); after it, the right to compensation is waived. If you have filed your claim already, please ignore this reminder.',
    correction: (f) =>
      `Hello, after a recalculation the compensation of account ${f.accountId}, order ${f.orderId} for service ` +
      `month ${f.month} has changed. ${f.previous ? `We told you before: ${EN.told(f.previous)}. ` : ''}` +
      `It is now: ${EN.told(f)}. The facts below replace those of the earlier notice.`,
  },
  labels: {
    account: 'Account (user id)',
    order: 'Order id',
    month: 'Service month',
    availability: 'Availability',
    unavailable: 'Unavailable minutes',
    excluded: 'Excluded minutes (not counted as unavailable)',
    tier: 'Compensation',
    voucher: 'Voucher',
    opensOn: 'Claim window opens',
    closesOn: 'Claim window closes',
    before: 'Told before',
    howToClaim: 'How to claim',
  },
  month: (f) => `${f.month} (${f.firstDay} to ${f.lastDay})`,
  unavailable: (f) => `${f.unavailableMinutes} of ${f.totalMinutes} minutes`,
  excluded: (clause, minutes) => `§${clause} (${CLAUSE_TEXT.en[clause]}): ${minutes} minutes`,
  noExcluded: 'none',
  tier: (percent) =>
    percent === 0 ? '0% (the commitment was met: no compensation)' : `${percent}% of the month's fee`,
  voucher: (amount) => `CNY ${amount}`,
  told: (told) => `compensation ${EN.tier(told.compensationPercent)}, voucher ${EN.voucher(told.voucher)}`,
  closesOn: (day) => `${day} (the last day a claim is accepted)`,
  noClaim: 'The month met the commitment: no claim is needed.',
  voucherTerms:
    'The voucher can be used only for this service; it cannot be exchanged for cash or transferred. ' +
    'A claim not filed by the last day of the window is waived.',
  reference: (noticeId) => `Notice reference: ${noticeId}. This email was sent by the TCMPP SLA system.`,
};

const WORDS: Readonly<Record<Language, Words>> = { 'zh-CN': ZH, en: EN };

// ---------------------------------------------------------------------------------------------
// Facts: named fields, copied one by one

interface Facts extends Told {
  readonly noticeId: string;
  readonly kind: NoticeRecord['kind'];
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly totalMinutes: number;
  readonly unavailableMinutes: number;
  readonly availabilityPercent: string;
  /** clause of §4 → minutes, in clause order */
  readonly excluded: Record<string, number>;
  readonly window: ClaimWindowDates;
  readonly previous: Told | undefined;
}

const factsOf = ({ notice, report }: NoticeToRender): Facts => ({
  noticeId: notice.noticeId,
  kind: notice.kind,
  accountId: notice.accountId,
  orderId: notice.orderId,
  month: notice.month,
  version: notice.version,
  compensationPercent: notice.compensationPercent,
  voucher: notice.voucher,
  firstDay: report.firstDay,
  lastDay: report.lastDay,
  totalMinutes: report.totalMinutes,
  unavailableMinutes: report.unavailableMinutes,
  availabilityPercent: report.availabilityPercent,
  excluded: excludedMinutesOf(report.excludedMinutes),
  window: report.claimWindow ? { opensOn: report.claimWindow.opensOn, closesOn: report.claimWindow.closesOn } : null,
  previous:
    notice.kind === 'correction' && notice.previous
      ? {
          version: notice.previous.version,
          compensationPercent: notice.previous.compensationPercent,
          voucher: notice.previous.voucher,
        }
      : undefined,
});

interface Row {
  readonly label: string;
  /** several values: one a line */
  readonly values: readonly string[];
}

interface Document {
  readonly subject: string;
  readonly lead: string;
  readonly rows: readonly Row[];
  readonly howToClaim: string;
  readonly footer: readonly string[];
}

const documentOf = (f: Facts, language: Language): Document => {
  const w = WORDS[language];
  const excluded = Object.entries(f.excluded) as [Clause, number][];
  const rows: Row[] = [
    { label: w.labels.account, values: [f.accountId] },
    { label: w.labels.order, values: [f.orderId] },
    { label: w.labels.month, values: [w.month(f)] },
    { label: w.labels.availability, values: [`${f.availabilityPercent}%`] },
    { label: w.labels.unavailable, values: [w.unavailable(f)] },
    {
      label: w.labels.excluded,
      values: excluded.length === 0 ? [w.noExcluded] : excluded.map(([clause, minutes]) => w.excluded(clause, minutes)),
    },
    { label: w.labels.tier, values: [w.tier(f.compensationPercent)] },
    { label: w.labels.voucher, values: [w.voucher(f.voucher)] },
    ...(f.previous ? [{ label: w.labels.before, values: [w.told(f.previous)] }] : []),
    ...(f.window
      ? [
          { label: w.labels.opensOn, values: [f.window.opensOn] },
          { label: w.labels.closesOn, values: [w.closesOn(f.window.closesOn)] },
        ]
      : []),
  ];
  const claimable = f.compensationPercent > 0;
  return {
    subject: oneLine(w.title[f.kind](f)),
    lead: w.lead[f.kind](f),
    rows,
    howToClaim: claimable ? howToClaimText(language, f.accountId, f.orderId, f.window) : w.noClaim,
    footer: [...(claimable ? [w.voucherTerms] : []), w.reference(f.noticeId)],
  };
};

/** A subject is one line: a line break in a value can never start a header. */
const oneLine = (s: string): string => s.replace(/[\r\n\t\u2028\u2029]+/g, ' ');

// ---------------------------------------------------------------------------------------------
// The two parts

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as HTML character data or a quoted attribute value: & < > " ' escaped. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

const textOf = (d: Document, language: Language): string => {
  const lines = [d.subject, '', d.lead, ''];
  for (const row of d.rows) {
    if (row.values.length === 1) lines.push(`${row.label}${language === 'zh-CN' ? '：' : ': '}${row.values[0]}`);
    else lines.push(`${row.label}${language === 'zh-CN' ? '：' : ':'}`, ...row.values.map((v) => `  - ${v}`));
  }
  lines.push('', `${WORDS[language].labels.howToClaim}${language === 'zh-CN' ? '：' : ': '}${d.howToClaim}`, '');
  lines.push(...d.footer);
  return `${lines.join('\n')}\n`;
};

const CELL = 'padding:6px 12px 6px 0;vertical-align:top;border-bottom:1px solid #e5e7eb;';

const htmlOf = (d: Document, language: Language): string => {
  const e = escapeHtml;
  const rows = d.rows
    .map(
      (row) =>
        `<tr><th scope="row" style="${CELL}text-align:left;font-weight:600;white-space:nowrap;">${e(row.label)}</th>` +
        `<td style="${CELL}">${row.values.map(e).join('<br>')}</td></tr>`,
    )
    .join('\n');
  return [
    '<!DOCTYPE html>',
    `<html lang="${e(language)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(d.subject)}</title>`,
    '</head>',
    "<body style=\"margin:0;padding:24px;background:#ffffff;color:#1f2328;font-family:Arial,'PingFang SC','Microsoft YaHei',sans-serif;font-size:14px;line-height:1.6;\">",
    `<h1 style="margin:0 0 16px;font-size:18px;">${e(d.subject)}</h1>`,
    `<p style="margin:0 0 16px;">${e(d.lead)}</p>`,
    '<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;">',
    rows,
    '</table>',
    `<h2 style="margin:0 0 8px;font-size:16px;">${e(WORDS[language].labels.howToClaim)}</h2>`,
    `<p style="margin:0 0 16px;">${e(d.howToClaim)}</p>`,
    ...d.footer.map((line) => `<p style="margin:0 0 8px;color:#59636e;font-size:12px;">${e(line)}</p>`),
    '</body>',
    '</html>',
    '',
  ].join('\n');
};

/** The notice as an email: subject, plain text and HTML with the same facts, in the language asked for. */
export const renderNotice = (delivery: NoticeToRender, language: Language): RenderedNotice => {
  const document = documentOf(factsOf(delivery), language);
  return { subject: document.subject, text: textOf(document, language), html: htmlOf(document, language) };
};
