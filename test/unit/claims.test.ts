// SPEC R10 · Claims (§3.2, §3.3): accepted only when every check holds, else the first failing
// reason in table order. June 2026 missed → window 2026-07-08 .. 2026-08-29 (local days, UTC+8).
import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '#domain/business-calendar.ts';
import { type EvaluatedMonth, evaluateOrder, judgeClaim, serviceMonthKey } from '#domain/evaluate.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { OBSERVED, PLATFORM_FAILURE } from '#domain/probe.ts';
import type { Order } from '#domain/service-months.ts';
import { evaluateDocument, failuresEveryMinute, runScenario, ZONE } from './scenario-harness.ts';

const ORDERS = [
  // misses June 2026: 44 of 43 200 minutes → 10 % of 300.00 = 30.00
  { accountId: 'acc-1', orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
  // meets June 2026: 43 of 43 200 minutes
  { accountId: 'acc-met', orderId: 'ord-met', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
  // another account's order, missed too
  { accountId: 'acc-2', orderId: 'ord-2', startDate: '2026-06-01', months: 1, cashPaid: '300.00' },
];
const PROBES = [
  ...failuresEveryMinute('acc-1', '2026-06-10T10:00:00+08:00', 44),
  ...failuresEveryMinute('acc-met', '2026-06-10T10:00:00+08:00', 43),
  ...failuresEveryMinute('acc-2', '2026-06-10T10:00:00+08:00', 44),
];

type Claim = Record<string, string>;
const claim = (filedAt: string, overrides: Claim = {}): Claim => ({
  accountId: 'acc-1',
  orderId: 'ord-1',
  month: '2026-06',
  filedAt,
  channel: 'ticket',
  ...overrides,
});

/** The claim verdicts of the scenario, in input order. */
const judge = (...claims: Claim[]) => runScenario({ orders: ORDERS, probes: PROBES, claims }).claims;

describe('the claim window edges, one second either side (R9, R10)', () => {
  it('the scenario misses June 2026 and opens its window 2026-07-08 .. 2026-08-29', () => {
    // arrange
    const doc = { orders: ORDERS, probes: PROBES };
    // act
    const report = runScenario(doc);
    // assert
    const june = report.serviceMonths.find((m) => m.accountId === 'acc-1');
    expect(june?.claimWindow).toEqual({ opensOn: '2026-07-08', closesOn: '2026-08-29' });
    expect(june?.voucher).toBe('30.00');
  });

  it('filed 2026-07-07T23:59:59+08:00 (1 s before opensOn) → window-not-open', () => {
    // arrange
    const c = claim('2026-07-07T23:59:59+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict).toEqual({ ...c, accepted: false, reason: 'window-not-open' });
  });

  it('filed 2026-07-08T00:00:00+08:00 (opensOn, first second) → accepted with the voucher', () => {
    // arrange
    const c = claim('2026-07-08T00:00:00+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict).toEqual({ ...c, accepted: true, voucher: '30.00' });
  });

  it('filed 2026-08-29T23:59:59+08:00 (closesOn, last second) → accepted', () => {
    // arrange
    const c = claim('2026-08-29T23:59:59+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict).toEqual({ ...c, accepted: true, voucher: '30.00' });
  });

  it('filed 2026-08-30T00:00:00+08:00 (1 s after closesOn) → window-closed', () => {
    // arrange
    const c = claim('2026-08-30T00:00:00+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict).toEqual({ ...c, accepted: false, reason: 'window-closed' });
  });

  it('in UTC: 2026-07-07T15:59:59Z is 07-07 23:59:59 local → window-not-open', () => {
    // arrange
    const c = claim('2026-07-07T15:59:59Z');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('window-not-open');
    expect(verdict?.accepted).toBe(false);
  });

  it('in UTC: 2026-07-07T16:00:00Z is 07-08 00:00 local → accepted', () => {
    // arrange
    const c = claim('2026-07-07T16:00:00Z');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.accepted).toBe(true);
    expect(verdict?.voucher).toBe('30.00');
  });

  it('in UTC: 2026-08-29T15:59:59Z is 08-29 23:59:59 local → accepted', () => {
    // arrange
    const c = claim('2026-08-29T15:59:59Z');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.accepted).toBe(true);
  });

  it('in UTC: 2026-08-29T16:00:00Z is 08-30 00:00 local → window-closed', () => {
    // arrange
    const c = claim('2026-08-29T16:00:00Z');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('window-closed');
  });

  it('a date that reads 07-07 in its own offset but is 07-08 local (2026-07-07T20:00:00-05:00) → accepted', () => {
    // arrange
    const c = claim('2026-07-07T20:00:00-05:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.accepted).toBe(true);
  });

  it('with fractional seconds: 2026-07-07T23:59:59.999999999+08:00 is still 07-07 → window-not-open', () => {
    // arrange
    const c = claim('2026-07-07T23:59:59.999999999+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('window-not-open');
  });

  it('the filed day is taken in the policy zone: with timeZone UTC, 2026-07-08T07:59:59+08:00 is still 07-07', () => {
    // arrange
    const c = claim('2026-07-08T07:59:59+08:00');
    const doc = { policy: { timeZone: 'UTC' }, orders: ORDERS, probes: PROBES, claims: [c] };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.claims).toEqual([{ ...c, accepted: false, reason: 'window-not-open' }]);
  });

  it('a claim without an offset on filedAt is an input error, never guessed', () => {
    // arrange
    const doc = { orders: ORDERS, probes: PROBES, claims: [claim('2026-07-08T09:00:00')] };
    // act
    const result = evaluateDocument(doc);
    // assert
    expect(result.report).toBeUndefined();
    expect(result.problems?.map((p) => p.path)).toEqual(['claims[0].filedAt']);
    expect(result.problems?.[0]?.message).toContain('no offset');
  });
});

describe('reasons in table order (R10)', () => {
  const ON_TIME = '2026-07-08T09:30:00+08:00';

  it('missing-materials: no accountId (even with a wrong channel and an unknown order)', () => {
    // arrange
    const c: Claim = { orderId: 'ord-nope', month: '2026-06', filedAt: ON_TIME, channel: 'email' };
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict).toEqual({ ...c, accepted: false, reason: 'missing-materials' });
  });

  it('missing-materials: no orderId', () => {
    // arrange
    const c: Claim = { accountId: 'acc-1', month: '2026-06', filedAt: ON_TIME, channel: 'ticket' };
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('missing-materials');
  });

  it('wrong-channel: channel is not ticket (even for an unknown order filed early)', () => {
    // arrange
    const c = claim('2026-07-01T09:00:00+08:00', { orderId: 'ord-nope', channel: 'email' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('wrong-channel');
  });

  it('wrong-channel: the channel must be exactly "ticket"', () => {
    // arrange
    const c = claim(ON_TIME, { channel: 'Ticket' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('wrong-channel');
  });

  it('unknown-order: no such order', () => {
    // arrange
    const c = claim(ON_TIME, { orderId: 'ord-nope' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('unknown-order');
  });

  it("unknown-order: another account's order", () => {
    // arrange
    const c = claim(ON_TIME, { orderId: 'ord-2' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('unknown-order');
  });

  it('unknown-order: no such service month of the order (2026-07)', () => {
    // arrange
    const c = claim(ON_TIME, { month: '2026-07' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('unknown-order');
  });

  it('unknown-order: no month given', () => {
    // arrange
    const c: Claim = { accountId: 'acc-1', orderId: 'ord-1', filedAt: ON_TIME, channel: 'ticket' };
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('unknown-order');
  });

  it('not-eligible: the month met the commitment (even when filed before any window could open)', () => {
    // arrange
    const c = claim('2026-07-01T09:00:00+08:00', { accountId: 'acc-met', orderId: 'ord-met' });
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('not-eligible');
  });

  it('window-not-open: filed before opensOn', () => {
    // arrange
    const c = claim('2026-07-01T09:00:00+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('window-not-open');
  });

  it('window-closed: filed after closesOn', () => {
    // arrange
    const c = claim('2026-09-01T09:00:00+08:00');
    // act
    const [verdict] = judge(c);
    // assert
    expect(verdict?.reason).toBe('window-closed');
  });

  it('window-closed comes before duplicate: a late claim after an accepted one is window-closed', () => {
    // arrange
    const first = claim(ON_TIME);
    const late = claim('2026-09-01T09:00:00+08:00');
    // act
    const verdicts = judge(first, late);
    // assert
    expect(verdicts.map((v) => v.reason ?? 'accepted')).toEqual(['accepted', 'window-closed']);
  });

  it('duplicate: a second on-time claim for the same service month, earlier in the same input', () => {
    // arrange
    const first = claim(ON_TIME);
    const second = claim('2026-07-09T09:30:00+08:00');
    // act
    const verdicts = judge(first, second);
    // assert
    expect(verdicts).toEqual([
      { ...first, accepted: true, voucher: '30.00' },
      { ...second, accepted: false, reason: 'duplicate' },
    ]);
  });

  it('a rejected claim does not make the next one a duplicate', () => {
    // arrange
    const early = claim('2026-07-07T23:59:59+08:00');
    const onTime = claim(ON_TIME);
    // act
    const verdicts = judge(early, onTime);
    // assert
    expect(verdicts.map((v) => v.reason ?? 'accepted')).toEqual(['window-not-open', 'accepted']);
  });

  it('claims for different service months (different accounts) are not duplicates', () => {
    // arrange
    const mine = claim(ON_TIME);
    const theirs = claim(ON_TIME, { accountId: 'acc-2', orderId: 'ord-2' });
    // act
    const verdicts = judge(mine, theirs);
    // assert
    expect(verdicts.map((v) => [v.accepted, v.voucher])).toEqual([
      [true, '30.00'],
      [true, '30.00'],
    ]);
  });

  it('every reason, in table order, in one input', () => {
    // arrange
    const claims: Claim[] = [
      { orderId: 'ord-1', month: '2026-06', filedAt: ON_TIME, channel: 'ticket' },
      claim(ON_TIME, { channel: 'email' }),
      claim(ON_TIME, { orderId: 'ord-nope' }),
      claim(ON_TIME, { accountId: 'acc-met', orderId: 'ord-met' }),
      claim('2026-07-07T23:59:59+08:00'),
      claim('2026-08-30T00:00:00+08:00'),
      claim(ON_TIME),
      claim(ON_TIME),
    ];
    // act
    const verdicts = judge(...claims);
    // assert
    expect(verdicts.map((v) => v.reason ?? 'accepted')).toEqual([
      'missing-materials',
      'wrong-channel',
      'unknown-order',
      'not-eligible',
      'window-not-open',
      'window-closed',
      'accepted',
      'duplicate',
    ]);
  });
});

describe('judgeClaim with claims recorded before (R10)', () => {
  const order: Order = {
    accountId: 'acc-1',
    orderId: 'ord-1',
    startDate: '2026-06-01',
    months: 1,
    cashPaidFen: 30_000,
  };
  const evaluated = (): Map<string, EvaluatedMonth> => {
    const facts = new MinuteFacts();
    const juneStart = Date.UTC(2026, 4, 31, 16, 0, 0) / 60_000;
    for (let i = 0; i < 44; i++) facts.record('acc-1', juneStart + 600 + i, OBSERVED | PLATFORM_FAILURE);
    const months = evaluateOrder(order, ZONE, facts, [], new BusinessCalendar());
    return new Map(months.map((m) => [serviceMonthKey(m.report.accountId, m.report.orderId, m.report.month), m]));
  };

  it('duplicate: a claim already accepted before (recorded) blocks a new one', () => {
    // arrange
    const months = evaluated();
    const recorded = new Set([serviceMonthKey('acc-1', 'ord-1', '2026-06')]);
    // act
    const verdict = judgeClaim(
      { accountId: 'acc-1', orderId: 'ord-1', month: '2026-06', filedDay: '2026-07-10', channel: 'ticket' },
      months,
      recorded,
    );
    // assert
    expect(verdict).toEqual({ accepted: false, reason: 'duplicate' });
  });

  it('an accepted claim carries the voucher in fen and is recorded', () => {
    // arrange
    const months = evaluated();
    const recorded = new Set<string>();
    // act
    const verdict = judgeClaim(
      { accountId: 'acc-1', orderId: 'ord-1', month: '2026-06', filedDay: '2026-07-08', channel: 'ticket' },
      months,
      recorded,
    );
    // assert
    expect(verdict).toEqual({ accepted: true, voucherFen: 3_000 });
    expect([...recorded]).toEqual(['acc-1/ord-1/2026-06']);
  });

  it('an empty accountId is missing materials', () => {
    // arrange
    const months = evaluated();
    // act
    const verdict = judgeClaim(
      { accountId: '', orderId: 'ord-1', month: '2026-06', filedDay: '2026-07-08', channel: 'ticket' },
      months,
      new Set(),
    );
    // assert
    expect(verdict).toEqual({ accepted: false, reason: 'missing-materials' });
  });
});
