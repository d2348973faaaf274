// SPEC R12 · Personal data: only accountId, function, at, ok and cause are kept; every other
// field is dropped before anything is written or logged, and counted once per field per record.
import { describe, expect, it } from 'vitest';
import { validateProbe } from '#domain/probe.ts';
import { runScenario } from './scenario-harness.ts';

const ORDERS = [{ accountId: 'acc-1', orderId: 'ord-1', startDate: '2026-06-01', months: 1, cashPaid: '300.00' }];

describe('droppedFields (R12)', () => {
  it('a probe with three extra fields counts three dropped fields', () => {
    // arrange
    const raw = {
      accountId: 'acc-1',
      function: 'publish',
      at: '2026-06-10T10:00:05+08:00',
      ok: true,
      deviceModel: 'iPhone15,2',
      osVersion: 'iOS 17.5',
      idfa: '6D92078A-8246-4BA4-AE5B-76104861E7DC',
    };
    // act
    const fact = validateProbe(raw);
    // assert
    expect(Array.isArray(fact) ? null : fact.droppedFields).toBe(3);
  });

  it('the kept fields are not counted, including cause on a success', () => {
    // arrange
    const raw = { accountId: 'acc-1', function: 'download', at: '2026-06-10T10:00:05Z', ok: true, cause: 'network' };
    // act
    const fact = validateProbe(raw);
    // assert
    expect(Array.isArray(fact) ? null : fact.droppedFields).toBe(0);
  });

  it('a nested object is one dropped field', () => {
    // arrange
    const raw = {
      accountId: 'acc-1',
      function: 'manage',
      at: '2026-06-10T10:00:05Z',
      ok: false,
      location: { lat: 31.23, lng: 121.47 },
    };
    // act
    const fact = validateProbe(raw);
    // assert
    expect(Array.isArray(fact) ? null : fact.droppedFields).toBe(1);
  });

  it('the validated fact holds no personal data: only account, minute, state bits and the count', () => {
    // arrange
    const raw = {
      accountId: 'acc-1',
      function: 'publish',
      at: '2026-06-10T10:00:05+08:00',
      ok: false,
      carrier: 'China Mobile',
      clipboard: 'secret text',
    };
    // act
    const fact = validateProbe(raw);
    // assert
    expect(Object.keys(fact).sort()).toEqual(['accountId', 'bits', 'droppedFields', 'minute']);
    expect(JSON.stringify(fact)).not.toContain('China Mobile');
    expect(JSON.stringify(fact)).not.toContain('secret text');
  });

  it('a scenario counts one per extra field per probe: 3 + 2 + 0 = 5', () => {
    // arrange
    const doc = {
      orders: ORDERS,
      probes: [
        {
          accountId: 'acc-1',
          function: 'publish',
          at: '2026-06-10T10:00:05+08:00',
          ok: true,
          deviceBrand: 'Apple',
          resolution: '1179x2556',
          mccMnc: '460-00',
        },
        {
          accountId: 'acc-1',
          function: 'publish',
          at: '2026-06-10T10:01:05+08:00',
          ok: false,
          webviewUserAgent: 'Mozilla/5.0',
          processList: ['wechat', 'alipay'],
        },
        { accountId: 'acc-1', function: 'publish', at: '2026-06-10T10:02:05+08:00', ok: true },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.droppedFields).toBe(5);
    expect(report.serviceMonths[0]?.observedMinutes).toBe(3);
  });

  it('the same extra field on two probes counts twice (once per record)', () => {
    // arrange
    const probe = (at: string) => ({
      accountId: 'acc-1',
      function: 'checkUpdate',
      at,
      ok: true,
      imei: '356938035643809',
    });
    const doc = { orders: ORDERS, probes: [probe('2026-06-10T10:00:05Z'), probe('2026-06-10T10:00:05Z')] };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.droppedFields).toBe(2);
  });

  it('fields of an ignored probe (unknown account) are still dropped and counted', () => {
    // arrange
    const doc = {
      orders: ORDERS,
      probes: [
        {
          accountId: 'acc-unknown',
          function: 'publish',
          at: '2026-06-10T10:00:05+08:00',
          ok: false,
          bluetooth: 'on',
          nfc: 'off',
        },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    expect(report.ignoredProbes).toBe(1);
    expect(report.droppedFields).toBe(2);
  });

  it('no dropped value reaches the report', () => {
    // arrange
    const doc = {
      orders: ORDERS,
      probes: [
        {
          accountId: 'acc-1',
          function: 'publish',
          at: '2026-06-10T10:00:05+08:00',
          ok: false,
          deviceModel: 'Pixel 8 Pro',
          location: '31.2304,121.4737',
        },
      ],
    };
    // act
    const report = runScenario(doc);
    // assert
    const text = JSON.stringify(report);
    expect(text).not.toContain('Pixel 8 Pro');
    expect(text).not.toContain('31.2304');
    expect(text).not.toContain('deviceModel');
  });
});
