// `sla recalc` (in-process: the dynalite lives in this process) against a DynamoDB API started here: the june example loaded through the
// operator verbs, the month evaluated by a first recalculation (the month-end state machine run
// locally), then an exclusion added: the dry run prints the change and writes nothing, the real
// run adds exactly one version. The must-show: after the scheduled month-end told acc-44
// its 10 % (the window-open notice), the recalculation queues exactly one correction, and running
// it again queues nothing and adds no version. With --state-machine-arn, the deployed machine is
// started instead (a Step Functions stand-in on 127.0.0.1) and nothing is written locally.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { listResults } from '#adapters/dynamodb/result-repository.ts';
import { drainQueue, startLocalSqs } from '#adapters/sqs/local-sqs.ts';
import type { NoticeMessage } from '#adapters/sqs/notice-queue.ts';
import { noticeTotals, runMonthEnd } from '../../cli/month-end-local.ts';
import { outboxFileName } from '../../shared/notices/outbox-file.ts';
import { CONTRACTS, tempDir, writeJson } from '../support/cli.ts';
import { slaAsync } from '../support/cli-async.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';
import { noticeRecords } from '../support/notice-scenario.ts';
import { linesOf, runMain, STACK_TRACE } from '../support/run-main.ts';
import { EXECUTION_ARN, sfnEnvironment, startSfnStub, useEnvironment } from '../support/sfn-stub.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'recalc');

beforeAll(async () => {
  dynamo = await startLocalDynamo('recalc-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

const SCENARIO = join(CONTRACTS, 'examples', 'june-43-vs-44.scenario.json');

/** The scheduled run's messages as they were queued, each a file named by its notice id (not through the worker). */
const writeToOutbox = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  return (message: NoticeMessage): void => {
    writeFileSync(join(dir, outboxFileName(message.notice.noticeId)), `${JSON.stringify(message, null, 2)}\n`);
  };
};

describe('sla recalc', () => {
  it('june-43-vs-44: an exclusion added; the dry run shows 44 → 34 and writes nothing; the real run adds one version', async () => {
    // arrange: the example loaded through the operator verbs, the month evaluated once
    const { table, storeArgs } = await tables.fresh();
    const dir = tempDir();
    const probes = (JSON.parse(readFileSync(SCENARIO, 'utf8')) as { probes: unknown[] }).probes;
    const ndjson = writeJson(dir, 'probes.ndjson', probes.map((p) => JSON.stringify(p)).join('\n'));
    expect((await runMain(['orders', 'import', SCENARIO, ...storeArgs])).status).toBe(0);
    expect((await runMain(['ingest', '--probes', ndjson, '--quiet', ...storeArgs])).status).toBe(0);
    const outbox = join(dir, 'outbox');
    const initial = await runMain([
      'recalc',
      '--month',
      '2026-06',
      '--reason',
      'initial',
      '--outbox',
      outbox,
      ...storeArgs,
    ]);
    expect(initial.stderr).toBe('');
    expect(initial.status).toBe(0);
    expect(initial.stdout).toMatch(/2 service months evaluated, 2 new versions; .*vouchers 30\.00; failed 0/);
    expect(await listResults(table, 'acc-44', '2026-06')).toHaveLength(1);
    const added = await runMain([...ADD_EX_44, ...storeArgs]);
    expect(added.status).toBe(0);
    const before = await scanAll(table);

    // act: the dry run
    const dry = await runMain([
      'recalc',
      '--month',
      '2026-06',
      '--account',
      'acc-44',
      '--reason',
      'ex added',
      '--dry-run',
      ...storeArgs,
    ]);

    // assert: the diff, nothing written
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(linesOf(dry.stdout)[0]).toBe(
      'acc-44/ord-44/2026-06: unavailable 44 → 34 min, tier 10 % → 0 %, voucher 30.00 → 0.00 (would add version 2)',
    );
    expect(await scanAll(table)).toEqual(before);

    // act: the real run
    const real = await runMain([
      'recalc',
      '--month',
      '2026-06',
      '--account',
      'acc-44',
      '--reason',
      'ex added',
      '--outbox',
      outbox,
      ...storeArgs,
    ]);

    // assert: exactly one version more, of acc-44 only
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(
      /1 service months evaluated, 1 new versions; tiers: met 1, 10 % 0, .*vouchers 0\.00; failed 0/,
    );
    const versions = await listResults(table, 'acc-44', '2026-06');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]).toMatchObject({
      reason: 'recalculation',
      note: 'ex added',
      report: { unavailableMinutes: 34, compensationPercent: 0, voucher: '0.00' },
    });
    expect(await listResults(table, 'acc-43', '2026-06')).toHaveLength(1);
  });

  it('bad options: exit 2, the problems named, nothing written', async () => {
    const { table, storeArgs } = await tables.fresh();
    const before = await scanAll(table);
    const run = await runMain(['recalc', '--month', '2026-13', '--account', 'bad id!', '--reason', ' ', ...storeArgs]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    const lines = linesOf(run.stderr);
    expect(lines[0]).toMatch(/^error: --month: /);
    expect(lines.some((l) => l.startsWith('error: --account: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('error: --reason: '))).toBe(true);
    expect(await scanAll(table)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// The must-show: after the window-open notice, a recalculation queues one correction

const STORE_JUNE = async (storeArgs: readonly string[], dir: string): Promise<void> => {
  const probes = (JSON.parse(readFileSync(SCENARIO, 'utf8')) as { probes: unknown[] }).probes;
  const ndjson = writeJson(dir, 'probes.ndjson', probes.map((p) => JSON.stringify(p)).join('\n'));
  expect((await runMain(['orders', 'import', SCENARIO, ...storeArgs])).status).toBe(0);
  expect((await runMain(['ingest', '--probes', ndjson, '--quiet', ...storeArgs])).status).toBe(0);
};

const ADD_EX_44 = [
  'exclusions',
  'add',
  '--id',
  'ex-44',
  '--clause',
  '4.4',
  '--start',
  '2026-06-10T09:00:00+08:00',
  '--end',
  '2026-06-10T09:10:00+08:00',
  '--reason',
  "the customer's own network",
  '--accounts',
  'acc-44',
] as const;

const WINDOW_OPEN_FILE = 'acc-44~ord-44~2026-06~window-open.json';
const CORRECTION_FILE = 'acc-44~ord-44~2026-06~correction~v2.json';

/** The outbox: file name → the notice message it holds. */
const outboxOf = (dir: string): Record<string, NoticeMessage> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as NoticeMessage]),
  );

describe('sla recalc: the correction notice', () => {
  it('window-open told → exclusion added → dry run shows the diff → real run adds v2 and queues one correction → again: nothing', async () => {
    // arrange: the example through the operator verbs; the scheduled month-end run locally on 8 July
    // (the claim windows open that day), its notices drained into the outbox
    const { table, storeArgs } = await tables.fresh();
    const dir = tempDir();
    const outbox = join(dir, 'outbox');
    await STORE_JUNE(storeArgs, dir);
    const sqs = await startLocalSqs();
    try {
      const scheduled = await runMonthEnd(
        table,
        { month: '2026-06', reason: 'scheduled', requestedBy: 'schedule' },
        { queue: sqs.queue, settings: { now: () => new Date('2026-07-08T09:00:00+08:00') } },
      );
      expect(scheduled.noticesDeferredUntil).toBeUndefined();
      expect(noticeTotals(scheduled.output.notices)).toMatchObject({ windowOpen: 1, corrections: 0, failedCount: 0 });
      expect(await drainQueue(sqs.queue, writeToOutbox(outbox))).toBe(1);
    } finally {
      await sqs.close();
    }
    expect(Object.keys(outboxOf(outbox))).toEqual([WINDOW_OPEN_FILE]);
    expect(outboxOf(outbox)[WINDOW_OPEN_FILE]).toMatchObject({
      notice: {
        kind: 'window-open',
        version: 1,
        compensationPercent: 10,
        voucher: '30.00',
        runId: 'scheduled-2026-06',
      },
      report: { unavailableMinutes: 44, claimWindow: { opensOn: '2026-07-08', closesOn: '2026-08-29' } },
    });
    expect((await runMain([...ADD_EX_44, ...storeArgs])).status).toBe(0);
    const beforeDryRun = await scanAll(table);
    const recalc = [
      'recalc',
      '--month',
      '2026-06',
      '--account',
      'acc-44',
      '--reason',
      'ex-44 added',
      '--outbox',
      outbox,
    ];

    // act: the dry run
    const dry = await runMain([...recalc, '--dry-run', ...storeArgs]);

    // assert: the diff; nothing written, nothing in the outbox
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(linesOf(dry.stdout)).toEqual([
      'acc-44/ord-44/2026-06: unavailable 44 → 34 min, tier 10 % → 0 %, voucher 30.00 → 0.00 (would add version 2)',
      expect.stringMatching(/^dry run: 1 service months would get a new version; nothing written/),
    ]);
    expect(await scanAll(table)).toEqual(beforeDryRun);
    expect(Object.keys(outboxOf(outbox))).toEqual([WINDOW_OPEN_FILE]);

    // act: the real run
    const real = await runMain([...recalc, ...storeArgs]);

    // assert: version 2, and exactly one correction naming what the window-open told
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    expect(linesOf(real.stdout)).toEqual([
      expect.stringMatching(
        /^recalculated 2026-06 \(recalculation-2026-06-.*\): 1 service months evaluated, 1 new versions; .*vouchers 0\.00; failed 0$/,
      ),
      `notices: 0 window-open, 1 corrections → 1 files in ${outbox}`,
    ]);
    expect((await listResults(table, 'acc-44', '2026-06')).map((v) => v.version)).toEqual([1, 2]);
    const files = outboxOf(outbox);
    expect(Object.keys(files)).toEqual([CORRECTION_FILE, WINDOW_OPEN_FILE]);
    expect(files[CORRECTION_FILE]?.notice).toMatchObject({
      noticeId: 'acc-44/ord-44/2026-06/correction/v2',
      kind: 'correction',
      version: 2,
      compensationPercent: 0,
      voucher: '0.00',
      previous: { version: 1, compensationPercent: 10, voucher: '30.00' },
    });
    expect(files[CORRECTION_FILE]?.notice.runId).toMatch(/^recalculation-2026-06-/);
    expect(files[CORRECTION_FILE]?.report).toMatchObject({
      unavailableMinutes: 34,
      compensationPercent: 0,
      voucher: '0.00',
    });
    const notices = await noticeRecords(table);
    // the recalculation's correction went through the real notice worker to the outbox: delivered;
    // the window-open was drained by this test straight off the queue, as queued
    expect(notices.map((n) => [n.noticeId, n.status]).sort()).toEqual([
      ['acc-44/ord-44/2026-06/correction/v2', 'delivered'],
      ['acc-44/ord-44/2026-06/window-open', 'enqueued'],
    ]);
    const afterReal = await scanAll(table);

    // act: the real run again
    const again = await runMain([...recalc, ...storeArgs]);

    // assert: no version, no notice, no file; only the run's own batch record is new
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(linesOf(again.stdout)).toEqual([
      expect.stringMatching(/: 1 service months evaluated, 0 new versions; /),
      `notices: 0 window-open, 0 corrections → 0 files in ${outbox}`,
    ]);
    expect((await listResults(table, 'acc-44', '2026-06')).map((v) => v.version)).toEqual([1, 2]);
    expect(outboxOf(outbox)).toEqual(files);
    expect(await noticeRecords(table)).toEqual(notices);
    const isRun = (item: { pk?: { S?: string } }) => item.pk?.S?.startsWith('RUN#') === true;
    expect((await scanAll(table)).filter((i) => !isRun(i))).toEqual(afterReal.filter((i) => !isRun(i)));
  });
});

// ---------------------------------------------------------------------------------------------
// --state-machine-arn: the deployed machine started through the Step Functions API

const STATE_MACHINE_ARN = 'arn:aws:states:ap-east-1:123456789012:stateMachine:MonthEnd';

describe('sla recalc --state-machine-arn', () => {
  it('starts an execution (StartExecution: the ARN, a recalculation-2026-06-… name, the input) and prints its ARN; writes nothing locally', async () => {
    // arrange: a store with the example; a Step Functions stand-in; the operator's environment
    const { table, storeArgs } = await tables.fresh();
    const dir = tempDir();
    await STORE_JUNE(storeArgs, dir);
    const before = await scanAll(table);
    const stub = await startSfnStub();
    const restore = useEnvironment({ ...sfnEnvironment(stub.url), USER: 'ops-alice' });
    const outbox = join(dir, 'outbox');
    try {
      // act
      const run = await runMain([
        'recalc',
        '--month',
        '2026-06',
        '--account',
        'acc-44,acc-43',
        '--reason',
        'ex-44 added',
        '--state-machine-arn',
        STATE_MACHINE_ARN,
        '--outbox',
        outbox,
        ...storeArgs,
      ]);

      // assert: the request
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(stub.requests).toHaveLength(1);
      const [request] = stub.requests;
      expect(request?.target).toBe('AWSStepFunctions.StartExecution');
      expect(request?.contentType).toMatch(/^application\/x-amz-json-1\.0/);
      expect(request?.authorization).toMatch(/Credential=AKIDTESTTESTTEST\/\d{8}\/ap-east-1\/states\/aws4_request/);
      expect(request?.body.stateMachineArn).toBe(STATE_MACHINE_ARN);
      const name = String(request?.body.name);
      expect(name).toMatch(/^recalculation-2026-06-[0-9A-Za-z_-]+$/);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(JSON.parse(String(request?.body.input))).toEqual({
        month: '2026-06',
        reason: 'recalculation',
        requestedBy: 'ops-alice',
        note: 'ex-44 added',
        accounts: ['acc-44', 'acc-43'],
      });
      // the execution's ARN printed
      expect(linesOf(run.stdout)).toEqual([
        `started ${EXECUTION_ARN} (2026-06, recalculation)`,
        `follow it: aws stepfunctions describe-execution --execution-arn ${EXECUTION_ARN}`,
      ]);
      // nothing written locally: no item, no outbox
      expect(await scanAll(table)).toEqual(before);
      expect(existsSync(outbox)).toBe(false);
    } finally {
      restore();
      await stub.close();
    }
  });

  // The bundle once lost the SDK's named exports to a dynamic import of the CommonJS package
  // (cli/start-execution.ts now imports it statically): this runs the bundled CLI.
  it('the bundled CLI, the ARN from SLA_STATE_MACHINE_ARN, the endpoint from AWS_ENDPOINT_URL: a new name per request', async () => {
    // arrange
    const { table, storeArgs } = await tables.fresh();
    const before = await scanAll(table);
    const stub = await startSfnStub();
    const env = { ...sfnEnvironment(stub.url, 'AWS_ENDPOINT_URL'), SLA_STATE_MACHINE_ARN: STATE_MACHINE_ARN };
    try {
      // act: twice
      const args = ['recalc', '--month', '2026-06', '--reason', 'holiday calendar fixed', ...storeArgs];
      const first = await slaAsync(args, env);
      const second = await slaAsync(args, env);
      // assert
      for (const run of [first, second]) {
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(linesOf(run.stdout)[0]).toBe(`started ${EXECUTION_ARN} (2026-06, recalculation)`);
      }
      expect(stub.requests.map((r) => r.target)).toEqual([
        'AWSStepFunctions.StartExecution',
        'AWSStepFunctions.StartExecution',
      ]);
      const [a, b] = stub.requests.map((r) => r.body);
      expect(a?.stateMachineArn).toBe(STATE_MACHINE_ARN);
      expect(String(a?.name)).toMatch(/^recalculation-2026-06-/);
      expect(a?.name).not.toBe(b?.name);
      const input = JSON.parse(String(a?.input)) as Record<string, unknown>;
      expect(input).toMatchObject({ month: '2026-06', reason: 'recalculation', note: 'holiday calendar fixed' });
      expect(input).not.toHaveProperty('accounts');
      expect(await scanAll(table)).toEqual(before);
    } finally {
      await stub.close();
    }
  });

  it('the service refuses (StateMachineDoesNotExist): exit 1, one error line naming it, no stack trace, nothing written', async () => {
    // arrange
    const { table, storeArgs } = await tables.fresh();
    const before = await scanAll(table);
    const stub = await startSfnStub({
      status: 400,
      body: {
        __type: 'com.amazonaws.states#StateMachineDoesNotExist',
        message: `State Machine Does Not Exist: '${STATE_MACHINE_ARN}'`,
      },
    });
    const restore = useEnvironment(sfnEnvironment(stub.url));
    try {
      // act
      const run = await runMain([
        'recalc',
        '--month',
        '2026-06',
        '--reason',
        'x',
        '--state-machine-arn',
        STATE_MACHINE_ARN,
        ...storeArgs,
      ]);
      // assert
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(linesOf(run.stderr)).toEqual([expect.stringMatching(/^error: .*State Machine Does Not Exist/)]);
      expect(stub.requests).toHaveLength(1);
      expect(await scanAll(table)).toEqual(before);
    } finally {
      restore();
      await stub.close();
    }
  });

  it('--dry-run with --state-machine-arn stays local: the diff printed, no request, nothing written', async () => {
    // arrange
    const { table, storeArgs } = await tables.fresh();
    await STORE_JUNE(storeArgs, tempDir());
    const before = await scanAll(table);
    const stub = await startSfnStub();
    const restore = useEnvironment(sfnEnvironment(stub.url));
    try {
      // act
      const run = await runMain([
        'recalc',
        '--month',
        '2026-06',
        '--reason',
        'preview',
        '--dry-run',
        '--state-machine-arn',
        STATE_MACHINE_ARN,
        ...storeArgs,
      ]);
      // assert
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(linesOf(run.stdout)).toContain(
        'acc-44/ord-44/2026-06: unavailable — → 44 min, tier — → 10 %, voucher — → 30.00 (would add version 1)',
      );
      expect(stub.requests).toEqual([]);
      expect(await scanAll(table)).toEqual(before);
    } finally {
      restore();
      await stub.close();
    }
  });
});
