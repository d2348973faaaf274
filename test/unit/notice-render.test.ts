// A notice as an email (shared/notices/render.ts): every kind in every language states the facts of
// SPEC R11 in its subject, its plain text and its HTML; the HTML escapes every value and loads
// nothing; nothing but named fields of the notice and report reaches the customer (R12).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type NoticeKind, type NoticeRecord, noticeIdOf } from '#adapters/dynamodb/notice-repository.ts';
import type { ServiceMonthReport } from '#domain/evaluate.ts';
import {
  escapeHtml,
  excludedMinutesOf,
  howToClaimText,
  type Language,
  type NoticeToRender,
  renderNotice,
} from '../../shared/notices/render.ts';
import { webhookNoticeOf } from '../../shared/notices/webhook-channel.ts';
import { markersIn, PERSONAL } from '../support/markers.ts';
import { JUNE, juneReportOf } from '../support/notice-messages.ts';

/** acc-1's June, 7 of its minutes excluded under 4.1 besides the 10 under 4.4. */
const reportOf = (overrides: Partial<ServiceMonthReport> = {}): ServiceMonthReport =>
  juneReportOf('acc-1', 'ord-1', {
    excludedMinutes: { '4.4': 10, '4.1': 7 },
    excludedBy: { 'ex-1': 10, 'mnt-1': 7 },
    ...overrides,
  });

const noticeOf = (kind: NoticeKind, overrides: Partial<NoticeRecord> = {}): NoticeRecord => {
  const fields = {
    kind,
    accountId: 'acc-1',
    orderId: 'ord-1',
    month: JUNE,
    version: kind === 'correction' ? 2 : 1,
    compensationPercent: 10,
    voucher: '30.00',
    ...overrides,
  };
  return {
    noticeId: noticeIdOf(fields),
    ...fields,
    ...(kind === 'correction' ? { previous: { version: 1, compensationPercent: 25, voucher: '75.00' } } : {}),
    runId: 'scheduled-2026-06',
    createdAt: '2026-07-07T16:00:00.000Z',
    ...overrides,
  };
};

const deliveryOf = (kind: NoticeKind): NoticeToRender => ({ notice: noticeOf(kind), report: reportOf() });

/** What every notice states, in each language, as it appears in the text and (escaped or not) the HTML. */
const FACTS: Record<Language, readonly string[]> = {
  'zh-CN': [
    'acc-1',
    'ord-1',
    '2026-06（2026-06-01 至 2026-06-30）',
    '99.898148%',
    '44 分钟（共 43200 分钟）',
    '第 4.1 条（提前通知的系统维护）：7 分钟',
    '第 4.4 条（客户方凭证丢失或泄露）：10 分钟',
    '月度服务费的 10%',
    '30.00 元（人民币）',
    '2026-07-08',
    '2026-08-29（含当日）',
    '请在 2026-07-08 至 2026-08-29 期间提交工单申请赔偿，注明用户 ID acc-1 和订单号 ord-1。',
    '代金券仅可用于本服务，不可兑换现金，不可转让。',
  ],
  en: [
    'acc-1',
    'ord-1',
    '2026-06 (2026-06-01 to 2026-06-30)',
    '99.898148%',
    '44 of 43200 minutes',
    '§4.1 (maintenance announced in advance): 7 minutes',
    '§4.4 (credentials lost or leaked on your side): 10 minutes',
    "10% of the month's fee",
    'CNY 30.00',
    '2026-07-08',
    '2026-08-29 (the last day a claim is accepted)',
    'Open a ticket between 2026-07-08 and 2026-08-29 to claim the voucher, giving your user id acc-1 and order id ord-1.',
    'cannot be exchanged for cash or transferred',
  ],
};

/** What each kind says beyond the facts: its subject, and a sentence of its lead. */
const KIND_WORDS: Record<NoticeKind, Record<Language, { subject: RegExp; lead: string }>> = {
  'window-open': {
    'zh-CN': { subject: /^TCMPP SLA 赔偿通知：订单 ord-1 2026-06 服务月赔偿申请已开放$/, lead: '赔偿申请期现已开放' },
    en: {
      subject: /^TCMPP SLA: compensation for order ord-1, service month 2026-06 — claim window open$/,
      lead: 'the claim window is open now',
    },
  },
  reminder: {
    'zh-CN': { subject: /申请将于 2026-08-29 截止$/, lead: '申请期将于 2026-08-29（含当日）截止' },
    en: { subject: /closes on 2026-08-29$/, lead: 'The claim window closes on 2026-08-29' },
  },
  correction: {
    'zh-CN': {
      subject: /^TCMPP SLA 赔偿更正通知：订单 ord-1 2026-06 服务月$/,
      lead: '此前通知：赔偿标准为月度服务费的 25%，代金券 75.00 元。现更正为：赔偿标准为月度服务费的 10%，代金券 30.00 元。',
    },
    en: {
      subject: /^TCMPP SLA correction: compensation for order ord-1, service month 2026-06$/,
      lead: "We told you before: compensation 25% of the month's fee, voucher CNY 75.00. It is now: compensation 10% of the month's fee, voucher CNY 30.00.",
    },
  },
};

const KINDS: readonly NoticeKind[] = ['window-open', 'reminder', 'correction'];
const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];
const CASES = KINDS.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));

/** Anything in HTML that loads, runs or links out. */
const ACTIVE_HTML = [
  /https?:/i,
  /<script/i,
  /<link/i,
  /<img/i,
  /<iframe/i,
  /<object/i,
  /<embed/i,
  /<form/i,
  /<a\s/i,
  /\ssrc\s*=/i,
  /\shref\s*=/i,
  /\son[a-z]+\s*=/i,
  /url\(/i,
  /@import/i,
  /javascript:/i,
];

describe('renderNotice: every kind in every language', () => {
  it.each(CASES)('%s, %s: the facts of R11 in the text and the HTML', (kind, language) => {
    // arrange
    const delivery = deliveryOf(kind);
    // act
    const email = renderNotice(delivery, language);
    // assert
    expect(email.subject).toMatch(KIND_WORDS[kind][language].subject);
    expect(email.subject).not.toMatch(/[\r\n]/);
    for (const fact of FACTS[language]) {
      expect(email.text).toContain(fact);
      expect(email.html).toContain(escapeHtml(fact));
    }
    expect(email.text).toContain(KIND_WORDS[kind][language].lead);
    expect(email.html).toContain(escapeHtml(KIND_WORDS[kind][language].lead));
    expect(email.text).toContain(delivery.notice.noticeId);
    expect(email.html).toContain(`<html lang="${language}">`);
    expect(email.html).toContain('<meta charset="utf-8">');
  });

  it.each(CASES)('%s, %s: the HTML loads nothing, runs nothing, links nowhere', (kind, language) => {
    const { html } = renderNotice(deliveryOf(kind), language);
    for (const pattern of ACTIVE_HTML) expect(html).not.toMatch(pattern);
  });

  it.each(LANGUAGES)('%s: a correction says what was told before; the other kinds do not', (language) => {
    const before = language === 'zh-CN' ? '此前通知' : 'Told before';
    expect(renderNotice(deliveryOf('correction'), language).text).toContain(before);
    expect(renderNotice(deliveryOf('window-open'), language).text).not.toContain(before);
    expect(renderNotice(deliveryOf('reminder'), language).text).not.toContain(before);
  });

  it.each(LANGUAGES)('%s: no excluded minutes → "none"', (language) => {
    const email = renderNotice(
      { notice: noticeOf('window-open'), report: reportOf({ excludedMinutes: {} }) },
      language,
    );
    expect(email.text).toMatch(
      language === 'zh-CN' ? /免责时长（不计入不可用时长）：无\n/ : /not counted as unavailable\): none\n/,
    );
  });

  it.each(LANGUAGES)('%s: a correction down to 0 %% tells that no claim is needed, and no window', (language) => {
    // arrange: a recalculation found the month met the commitment
    const notice = noticeOf('correction', { compensationPercent: 0, voucher: '0.00' });
    const report = reportOf({ unavailableMinutes: 43, compensationPercent: 0, voucher: '0.00', claimWindow: null });
    // act
    const email = renderNotice({ notice, report }, language);
    // assert
    expect(email.text).toContain(
      language === 'zh-CN'
        ? '该服务月已达到服务承诺，无需申请赔偿。'
        : 'The month met the commitment: no claim is needed.',
    );
    expect(email.text).not.toMatch(language === 'zh-CN' ? /提交工单|申请开始日期/ : /Open a ticket|Claim window opens/);
    expect(email.text).toContain(language === 'zh-CN' ? '0%（已达到服务承诺，无赔偿）' : '0% (the commitment was met');
  });

  it('reads no clock: the same notice renders the same whatever the day', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-07-08T00:00:00+08:00'));
      const early = renderNotice(deliveryOf('reminder'), 'en');
      vi.setSystemTime(new Date('2026-08-28T23:00:00+08:00'));
      const late = renderNotice(deliveryOf('reminder'), 'en');
      expect(late).toEqual(early);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('renderNotice: escaping and personal data', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(LANGUAGES)(
    '%s: hostile ids are escaped in the HTML, kept as text in the text part, one line in the subject',
    (language) => {
      // arrange: ids are validated at the edge (deliver.ts); the escaper is tested anyway
      const accountId = '<script>alert("acc")</script>';
      const orderId = `o&r'd"<img src=x onerror=alert(1)>\r\nBcc: someone`;
      const delivery: NoticeToRender = {
        notice: noticeOf('correction', { accountId, orderId }),
        report: reportOf({ accountId, orderId }),
      };
      // act
      const email = renderNotice(delivery, language);
      // assert
      expect(email.html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
      expect(email.html).toContain('&lt;script&gt;alert(&quot;acc&quot;)&lt;/script&gt;');
      expect(email.html).toContain('o&amp;r&#39;d&quot;&lt;img src=x onerror=alert(1)&gt;');
      expect(email.text).toContain(accountId);
      expect(email.subject).not.toMatch(/[\r\n]/);
    },
  );

  it('escapeHtml escapes & < > " \'', () => {
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(escapeHtml('第 4.4 条')).toBe('第 4.4 条');
  });

  it.each(CASES)(
    '%s, %s: personal data beside or inside the notice and report never appears (R12)',
    (kind, language) => {
      // arrange: markers on the notice, the report, as an excluded-minutes key, on the claim window
      const { notice, report } = deliveryOf(kind);
      const delivery = {
        notice: { ...notice, idfa: PERSONAL.idfa, device: PERSONAL },
        report: {
          ...report,
          deviceModel: PERSONAL.deviceModel,
          location: PERSONAL.location,
          clipboard: PERSONAL.clipboard,
          excludedMinutes: { '4.4': 10, [PERSONAL.deviceBrand]: 3, [PERSONAL.carrier]: 5 },
          excludedBy: { [PERSONAL.webviewUserAgent]: 10 },
          claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29', carrier: PERSONAL.carrier },
        },
      } as NoticeToRender;
      // act
      const email = renderNotice(delivery, language);
      // assert
      expect(markersIn(`${email.subject}\n${email.text}\n${email.html}`)).toEqual([]);
    },
  );

  it('excludedMinutesOf keeps the clauses of §4 only, in clause order, with whole minutes', () => {
    expect(
      excludedMinutesOf({ '4.9': 1, '4.2': 2, '': 3, '5.1': 4, '4.3': 1.5, '4.4': -1, toString: 9, '4.5': '6' }),
    ).toEqual({ '4.2': 2, '4.9': 1 });
    expect(Object.keys(excludedMinutesOf({ '4.9': 1, '4.2': 2 }))).toEqual(['4.2', '4.9']);
  });
});

describe('the webhook channel tells the same thing', () => {
  it.each(CASES)('%s, %s: its howToClaim text is the email’s', (kind, language) => {
    const delivery = deliveryOf(kind);
    const body = webhookNoticeOf(delivery, language);
    expect(body.kind).toBe(kind);
    expect(body.howToClaim.text).toBe(howToClaimText(language, 'acc-1', 'ord-1', body.claimWindow));
    expect(renderNotice(delivery, language).text).toContain(body.howToClaim.text);
    expect(body.excludedMinutes).toEqual({ '4.1': 7, '4.4': 10 });
    if (kind === 'correction') expect(body.previous).toEqual({ compensationPercent: 25, voucher: '75.00' });
    else expect(body).not.toHaveProperty('previous');
  });
});
