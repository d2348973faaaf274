// Handlers refuse a bad configuration with an error naming the variable, before touching anything.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultOptions as compactionOptions } from '../../functions/compact-minute-facts.ts';
import { defaultDeps } from '../../functions/ingest-probe-feed.ts';
import { workerSettings } from '../../functions/notice-worker.ts';
import { defaultOptions } from '../../functions/run-prober.ts';
import { ConfigError } from '../../shared/config.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const feedEnv = { TABLE_NAME: 'sla-table', FEED_BASE_URL: 'https://feed.example/' };

describe('probe-feed handler configuration', () => {
  it('names a missing TABLE_NAME', () => {
    // arrange
    process.env = { ...saved, FEED_BASE_URL: 'https://feed.example/' };
    delete process.env.TABLE_NAME;
    // act / assert
    expect(() => defaultDeps()).toThrow(new ConfigError('environment variable TABLE_NAME is required'));
  });

  it('names a missing FEED_BASE_URL', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table' };
    delete process.env.FEED_BASE_URL;
    expect(() => defaultDeps()).toThrow(/FEED_BASE_URL is required/);
  });

  it.each([
    ['FEED_WINDOW_MINUTES', 'sixty'],
    ['FEED_WINDOW_MINUTES', '0'],
    ['FEED_LAG_MINUTES', '-5'],
    ['RETENTION_DAYS_AFTER_CLAIM_CLOSE', '1.5'],
  ])('names a malformed %s (%s)', (name, value) => {
    process.env = { ...saved, ...feedEnv, [name]: value };
    expect(() => defaultDeps()).toThrow(new RegExp(`${name} must be a whole number`));
  });

  it('names an unknown POLICY_TIME_ZONE', () => {
    process.env = { ...saved, ...feedEnv, POLICY_TIME_ZONE: 'Mars/Olympus_Mons' };
    expect(() => defaultDeps()).toThrow(/POLICY_TIME_ZONE must be an IANA time zone, got "Mars\/Olympus_Mons"/);
  });

  it('takes the documented defaults', () => {
    process.env = { ...saved, ...feedEnv };
    const deps = defaultDeps();
    expect(deps).toMatchObject({
      windowMinutes: 60,
      lagMinutes: 10,
      timeZone: 'Asia/Shanghai',
      retentionDaysAfterClaimClose: 30,
    });
    expect(deps.table.name).toBe('sla-table');
  });
});

describe('prober handler configuration', () => {
  it('names a missing TABLE_NAME', () => {
    process.env = { ...saved };
    delete process.env.TABLE_NAME;
    expect(() => defaultOptions()).toThrow(/TABLE_NAME is required/);
  });

  it('names a malformed PROBER_CONCURRENCY', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table', PROBER_CONCURRENCY: '0' };
    expect(() => defaultOptions()).toThrow(/PROBER_CONCURRENCY must be a whole number ≥ 1, got "0"/);
  });

  it('takes the documented defaults', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table' };
    expect(defaultOptions()).toMatchObject({ rounds: 10, roundIntervalMs: 60_000, timeoutMs: 5_000, concurrency: 32 });
  });
});

describe('compaction handler configuration', () => {
  it('names a missing TABLE_NAME', () => {
    process.env = { ...saved };
    delete process.env.TABLE_NAME;
    expect(() => compactionOptions()).toThrow(new ConfigError('environment variable TABLE_NAME is required'));
  });

  it.each([
    ['COMPACTION_MAX_DAYS_PER_RUN', '0', 1],
    ['COMPACTION_MAX_DAYS_PER_RUN', 'x', 1],
    ['COMPACTION_MAX_DAYS_PER_RUN', '2.5', 1],
    ['COMPACTION_CONCURRENCY', '0', 1],
    ['RETENTION_DAYS_AFTER_CLAIM_CLOSE', '-1', 0],
  ])('names a malformed %s (%s)', (name, value, min) => {
    process.env = { ...saved, TABLE_NAME: 'sla-table', [name]: value };
    expect(() => compactionOptions()).toThrow(ConfigError);
    expect(() => compactionOptions()).toThrow(
      new ConfigError(`environment variable ${name} must be a whole number ≥ ${min}, got "${value}"`),
    );
  });

  it('names an unknown POLICY_TIME_ZONE', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table', POLICY_TIME_ZONE: 'Asia/Atlantis' };
    expect(() => compactionOptions()).toThrow(/POLICY_TIME_ZONE must be an IANA time zone/);
  });

  it('takes the documented defaults, and the clock', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table' };
    delete process.env.COMPACTION_MAX_DAYS_PER_RUN;
    delete process.env.COMPACTION_CONCURRENCY;
    const options = compactionOptions();
    expect(options).toMatchObject({
      timeZone: 'Asia/Shanghai',
      retentionDaysAfterClaimClose: 30,
      maxDaysPerRun: 3,
      concurrency: 16,
    });
    expect(options.table.name).toBe('sla-table');
    expect(Math.abs(options.now().getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('takes the values the stack sets', () => {
    process.env = { ...saved, TABLE_NAME: 'sla-table', COMPACTION_MAX_DAYS_PER_RUN: '7', COMPACTION_CONCURRENCY: '4' };
    expect(compactionOptions()).toMatchObject({ maxDaysPerRun: 7, concurrency: 4 });
  });
});

describe('notice worker configuration', () => {
  const workerEnv = { TABLE_NAME: 'sla-table', OUTBOX_DIR: '/tmp/sla-outbox' };

  it('names a missing TABLE_NAME', () => {
    // arrange
    process.env = { ...saved, ...workerEnv };
    delete process.env.TABLE_NAME;
    // act / assert
    expect(() => workerSettings()).toThrow(new ConfigError('environment variable TABLE_NAME is required'));
  });

  it('has no outbox channel without OUTBOX_DIR (in AWS): no channel, no delivery claimed', () => {
    process.env = { ...saved, ...workerEnv };
    delete process.env.OUTBOX_DIR;
    delete process.env.WEBHOOK_SECRET_ID;
    expect(workerSettings().channels).toEqual([]);
  });

  it.each(['0', '-30', 'two minutes', '1.5'])('names a malformed NOTICE_LEASE_SECONDS (%s)', (value) => {
    process.env = { ...saved, ...workerEnv, NOTICE_LEASE_SECONDS: value };
    expect(() => workerSettings()).toThrow(ConfigError);
    expect(() => workerSettings()).toThrow(
      new ConfigError(`environment variable NOTICE_LEASE_SECONDS must be a whole number ≥ 1, got "${value}"`),
    );
  });

  it('takes the documented default lease, the outbox channel, and the clock', () => {
    process.env = { ...saved, ...workerEnv };
    delete process.env.NOTICE_LEASE_SECONDS;
    const settings = workerSettings();
    expect(settings.leaseSeconds).toBe(120);
    expect(settings.table.name).toBe('sla-table');
    expect(settings.channels.map((c) => c.name)).toEqual(['outbox']);
    expect(settings.channels[0]).toMatchObject({ dir: '/tmp/sla-outbox' });
    expect(Math.abs(settings.now().getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('takes the lease the stack sets', () => {
    process.env = { ...saved, ...workerEnv, NOTICE_LEASE_SECONDS: '300' };
    expect(workerSettings().leaseSeconds).toBe(300);
  });
});
