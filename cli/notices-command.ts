// `sla notices …`: the operator's view of the notices to customers (SPEC R11).
//
//   list     the notice records: id, kind, status, version, tier, voucher, and what the worker
//            recorded (delivered when and where, or why it failed)
//   redrive  moves the messages of the notice DLQ back to the notice queue: each one sent again
//            with its body and attributes, and deleted from the DLQ only once the send succeeded
//   preview  renders a notice (subject and text; --html writes the HTML) without sending anything
//
// Bad options: exit 2 naming the option, nothing read or written.

import { writeFileSync } from 'node:fs';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import type { NoticeKind, NoticeRecord, StoredNotice, Told } from '#adapters/dynamodb/notice-repository.ts';
import type { StoredResult } from '#adapters/dynamodb/result-repository.ts';
import type { Table } from '#adapters/dynamodb/table.ts';
import { checkMonth } from '#domain/instant.ts';
import { checkId } from '#domain/probe.ts';
import type { Io } from './main.ts';
import { CliFailure, EXIT_FAILURE, type Problem } from './output.ts';
import { type StoreOptions, withStore, withStoreOptions } from './store.ts';

const STATUSES = ['pending', 'enqueued', 'delivered', 'failed', 'superseded'] as const;
const KINDS = ['window-open', 'reminder', 'correction'] as const satisfies readonly NoticeKind[];
const LANGUAGES = ['zh-CN', 'en'] as const;
/** Service months are calendar months of local days (R2): the policy zone, as the month-end takes them. */
const POLICY_TIME_ZONE = 'Asia/Shanghai';

const repository = () => import('#adapters/dynamodb/notice-repository.ts');

const checkOption = (
  problems: Problem[],
  path: string,
  value: string | undefined,
  check: (v: string) => string | null,
) => {
  if (value === undefined) return;
  const problem = check(value);
  if (problem) problems.push({ path, message: problem });
};

const oneOf =
  (allowed: readonly string[]) =>
  (value: string): string | null =>
    allowed.includes(value) ? null : `"${value}" is not one of ${allowed.join(', ')}`;

// ---------------------------------------------------------------------------------------------
// list

interface ListOptions extends StoreOptions {
  month?: string;
  status?: string;
  account?: string;
  json?: boolean;
}

/**
 * The service months of each account's orders (or only those in `month`), from the order
 * registry: the months a notice can exist for.
 */
const serviceMonthsByAccount = async (
  table: Table,
  month: string | undefined,
  account: string | undefined,
): Promise<{ months: Map<string, string[]>; corrupt: number }> => {
  const { readOrders } = await import('#adapters/dynamodb/registry-repository.ts');
  const { ordersFromRecords } = await import('#ingest/ingest-probes.ts');
  const { serviceMonthsOf } = await import('#domain/service-months.ts');
  const { orders, corrupt } = await readOrders(table);
  const months = new Map<string, Set<string>>();
  for (const order of ordersFromRecords(orders)) {
    if (account !== undefined && order.accountId !== account) continue;
    for (const m of serviceMonthsOf(order, POLICY_TIME_ZONE)) {
      if (month !== undefined && m.month !== month) continue;
      const set = months.get(m.accountId) ?? new Set<string>();
      set.add(m.month);
      months.set(m.accountId, set);
    }
  }
  const sorted = [...months.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { months: new Map(sorted.map(([a, set]) => [a, [...set].sort()])), corrupt: corrupt.length };
};

const detailOf = (n: StoredNotice): string => {
  const o = n.outcome ?? {};
  if (n.status === 'delivered') return `delivered ${o.deliveredAt ?? '?'} via ${(o.deliveredChannels ?? []).join(',')}`;
  if (o.failedReason !== undefined || o.failedAt !== undefined)
    return `failed ${o.failedAt ?? '?'}: ${o.failedCode ? `${o.failedCode}: ` : ''}${o.failedReason ?? ''}`;
  if (n.status === 'superseded') return `superseded by ${o.supersededBy ?? '?'}`;
  return '';
};

/** Columns padded to their widest cell; the last one as is. */
const formatTable = (rows: readonly (readonly string[])[]): string =>
  rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell.padEnd(Math.max(...rows.map((r) => (r[i] ?? '').length))),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');

const noticesList = (io: Io): Command =>
  withStoreOptions(new Command('list'))
    .description('the notices recorded: id, kind, status, version, tier, voucher, delivery or failure')
    .option('--month <YYYY-MM>', 'service months of this calendar month only')
    .option('--status <status>', `only notices in this status (${STATUSES.join(', ')})`)
    .option('--account <id>', 'this account only')
    .option('--json', 'print the notice records as a JSON array')
    .action(async (options: ListOptions) => {
      const problems: Problem[] = [];
      checkOption(problems, '--month', options.month, checkMonth);
      checkOption(problems, '--status', options.status, oneOf(STATUSES));
      checkOption(problems, '--account', options.account, checkId);
      if (problems.length > 0) throw new CliFailure(problems);
      const { listNotices } = await repository();
      await withStore(options, async (store) => {
        const { months, corrupt } = await serviceMonthsByAccount(store.table, options.month, options.account);
        if (corrupt > 0)
          io.stderr(`warning: ${corrupt} orders cannot be read; their accounts' notices may be missing\n`);
        const notices: StoredNotice[] = [];
        for (const [accountId, accountMonths] of months)
          for (const month of accountMonths)
            for (const n of await listNotices(store.table, accountId, month))
              if (options.status === undefined || n.status === options.status) notices.push(n);
        if (options.json) {
          io.stdout(`${JSON.stringify(notices, null, 2)}\n`);
          return;
        }
        if (notices.length > 0) {
          const rows = [
            ['NOTICE', 'KIND', 'STATUS', 'VERSION', 'TIER', 'VOUCHER', 'DELIVERY / FAILURE'],
            ...notices.map((n) => [
              n.noticeId,
              n.kind,
              n.status,
              `v${n.version}`,
              `${n.compensationPercent} %`,
              n.voucher,
              detailOf(n),
            ]),
          ];
          io.stdout(`${formatTable(rows)}\n`);
        }
        io.stdout(`${notices.length} notices (${store.description})\n`);
      });
    });

// ---------------------------------------------------------------------------------------------
// redrive

interface RedriveOptions {
  queueUrl?: string;
  dlqUrl?: string;
  endpoint?: string;
  max?: string;
}

const checkQueueUrl = (value: string): string | null => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : `"${value}" is not an SQS queue URL`;
  } catch {
    return `"${value}" is not an SQS queue URL`;
  }
};

/** The attributes a message is sent with again: the string and binary ones (list types are unused by SQS). */
const attributesOf = (
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, a]) => [
      name,
      {
        DataType: a.DataType,
        ...(a.StringValue === undefined ? {} : { StringValue: a.StringValue }),
        ...(a.BinaryValue === undefined ? {} : { BinaryValue: a.BinaryValue }),
      },
    ]),
  );

const noticesRedrive = (io: Io): Command =>
  new Command('redrive')
    .description('move the messages of the notice dead-letter queue back to the notice queue')
    .option('--queue-url <url>', 'the notice queue (default: SLA_NOTICE_QUEUE_URL)')
    .option('--dlq-url <url>', 'its dead-letter queue (default: SLA_NOTICE_DLQ_URL)')
    .option('--endpoint <url>', 'an SQS API endpoint, e.g. a local one (default: AWS)')
    .option('--max <n>', 'move at most this many messages (default: all)')
    .action(async (options: RedriveOptions) => {
      const problems: Problem[] = [];
      const queueUrl = options.queueUrl ?? (process.env.SLA_NOTICE_QUEUE_URL || undefined);
      const dlqUrl = options.dlqUrl ?? (process.env.SLA_NOTICE_DLQ_URL || undefined);
      if (queueUrl === undefined)
        problems.push({ path: '--queue-url', message: 'is required (or set SLA_NOTICE_QUEUE_URL)' });
      else checkOption(problems, '--queue-url', queueUrl, checkQueueUrl);
      if (dlqUrl === undefined)
        problems.push({ path: '--dlq-url', message: 'is required (or set SLA_NOTICE_DLQ_URL)' });
      else checkOption(problems, '--dlq-url', dlqUrl, checkQueueUrl);
      if (queueUrl !== undefined && queueUrl === dlqUrl)
        problems.push({ path: '--dlq-url', message: 'is the notice queue itself' });
      checkOption(problems, '--endpoint', options.endpoint, (v) => (checkQueueUrl(v) ? `"${v}" is not a URL` : null));
      const max = options.max === undefined ? Number.POSITIVE_INFINITY : Number(options.max);
      if (options.max !== undefined && (!/^\d+$/.test(options.max) || max < 1))
        problems.push({ path: '--max', message: `"${options.max}" is not a whole number ≥ 1` });
      if (problems.length > 0 || queueUrl === undefined || dlqUrl === undefined) throw new CliFailure(problems);
      const sqs = await import('@aws-sdk/client-sqs');
      const client = new sqs.SQSClient(
        options.endpoint
          ? {
              endpoint: options.endpoint,
              region: process.env.AWS_REGION ?? 'local',
              // a local API takes any credentials; with AWS ones in the environment, those
              ...(process.env.AWS_ACCESS_KEY_ID
                ? {}
                : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
            }
          : {},
      );
      let moved = 0;
      let notSent = 0;
      try {
        while (moved < max) {
          // long polling (1 s): an empty answer means the DLQ is empty, not a sampled server
          const received = await client.send(
            new sqs.ReceiveMessageCommand({
              QueueUrl: dlqUrl,
              MaxNumberOfMessages: Math.min(10, max - moved),
              WaitTimeSeconds: 1,
              VisibilityTimeout: 60,
              MessageAttributeNames: ['All'],
            }),
          );
          const messages = received.Messages ?? [];
          if (messages.length === 0) break;
          const sent = await client.send(
            new sqs.SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({
                Id: String(i),
                MessageBody: m.Body ?? '',
                MessageAttributes: attributesOf(m.MessageAttributes),
              })),
            }),
          );
          for (const f of sent.Failed ?? [])
            io.stderr(
              `error: message ${messages[Number(f.Id)]?.MessageId ?? f.Id} not sent: ${f.Code}: ${f.Message ?? ''}\n`,
            );
          notSent += sent.Failed?.length ?? 0;
          // deleted from the DLQ only once the queue has it (a failed one becomes visible there again)
          const done = (sent.Successful ?? []).map((s) => messages[Number(s.Id)]).filter((m) => m !== undefined);
          if (done.length > 0) {
            const deleted = await client.send(
              new sqs.DeleteMessageBatchCommand({
                QueueUrl: dlqUrl,
                Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
              }),
            );
            for (const f of deleted.Failed ?? [])
              io.stderr(
                `warning: message ${done[Number(f.Id)]?.MessageId ?? f.Id} sent but not deleted from the DLQ (${f.Code}): it will be sent again; the worker delivers a notice once\n`,
              );
          }
          moved += done.length;
          if (done.length === 0) break;
        }
      } finally {
        client.destroy();
      }
      io.stdout(`moved ${moved} messages from ${dlqUrl} to ${queueUrl}\n`);
      if (notSent > 0)
        throw new CliFailure(
          [{ path: '', message: `${notSent} messages could not be sent; they stay in the DLQ` }],
          EXIT_FAILURE,
        );
    });

// ---------------------------------------------------------------------------------------------
// preview

interface PreviewOptions extends StoreOptions {
  account?: string;
  month?: string;
  order?: string;
  language: string;
  kind: string;
  html?: string;
}

/** The notice to render: the one recorded for the service month and kind, else the one that would be sent now. */
const noticeFor = async (
  table: Table,
  latest: StoredResult,
  kind: NoticeKind,
  notices: readonly StoredNotice[],
): Promise<{ notice: NoticeRecord; report: StoredResult['report']; origin: string }> => {
  const { noticeIdOf } = await repository();
  const { getVersion } = await import('#adapters/dynamodb/result-repository.ts');
  const { accountId, orderId, month } = latest.report;
  const ofMonth = notices.filter((n) => n.orderId === orderId);
  const recorded = ofMonth.filter((n) => n.kind === kind).at(-1);
  if (recorded) {
    const { status, outcome: _outcome, ...notice } = recorded;
    const version = await getVersion(table, accountId, month, orderId, notice.version);
    if (version === undefined)
      throw new CliFailure(
        [{ path: '', message: `${notice.noticeId} names version ${notice.version}, not stored` }],
        1,
      );
    return { notice, report: version.report, origin: `recorded, ${status}` };
  }
  let previous: Told | undefined;
  if (kind === 'correction') {
    const told = ofMonth.filter((n) => n.version < latest.version).at(-1);
    const before = told ?? (await getVersion(table, accountId, month, orderId, latest.version - 1));
    if (before === undefined)
      throw new CliFailure(
        [
          {
            path: '--kind',
            message: `${accountId}/${orderId}/${month} has one version and no notice: there is nothing to correct`,
          },
        ],
        EXIT_FAILURE,
      );
    previous =
      'report' in before
        ? {
            version: before.version,
            compensationPercent: before.report.compensationPercent,
            voucher: before.report.voucher,
          }
        : { version: before.version, compensationPercent: before.compensationPercent, voucher: before.voucher };
  }
  const fields = {
    kind,
    accountId,
    orderId,
    month,
    version: latest.version,
    compensationPercent: latest.report.compensationPercent,
    voucher: latest.report.voucher,
  };
  return {
    notice: {
      noticeId: noticeIdOf(fields),
      ...fields,
      ...(previous ? { previous } : {}),
      runId: 'preview',
      createdAt: new Date().toISOString(),
    },
    report: latest.report,
    origin: `not recorded: as it would be sent now, version ${latest.version}`,
  };
};

const noticesPreview = (io: Io): Command =>
  withStoreOptions(new Command('preview'))
    .description('render a notice as the customer would read it, without sending it')
    .option('--account <id>', 'the account (required)')
    .option('--month <YYYY-MM>', 'the service month (required)')
    .option('--order <id>', 'one order (default: every service month of the account in the month)')
    .option('--language <lang>', `${LANGUAGES.join(' or ')}`, 'zh-CN')
    .option('--kind <kind>', `${KINDS.join(', ')}`, 'window-open')
    .option('--html <file>', 'write the HTML part to this file (one service month)')
    .action(async (options: PreviewOptions) => {
      const problems: Problem[] = [];
      if (options.account === undefined) problems.push({ path: '--account', message: 'is required' });
      if (options.month === undefined) problems.push({ path: '--month', message: 'is required' });
      checkOption(problems, '--account', options.account, checkId);
      checkOption(problems, '--month', options.month, checkMonth);
      checkOption(problems, '--order', options.order, checkId);
      checkOption(problems, '--language', options.language, oneOf(LANGUAGES));
      checkOption(problems, '--kind', options.kind, oneOf(KINDS));
      checkOption(problems, '--html', options.html, (v) => (v.trim() === '' ? 'must name a file' : null));
      const { account, month } = options;
      if (problems.length > 0 || account === undefined || month === undefined) throw new CliFailure(problems);
      const kind = options.kind as NoticeKind;
      const language = options.language as (typeof LANGUAGES)[number];
      const { latestResults } = await import('#adapters/dynamodb/result-repository.ts');
      const { listNotices } = await repository();
      const { renderNotice } = await import('../shared/notices/render.ts');
      await withStore(options, async (store) => {
        const results = (await latestResults(store.table, account, month))
          .filter((r) => options.order === undefined || r.report.orderId === options.order)
          .sort((a, b) => (a.report.orderId < b.report.orderId ? -1 : 1));
        if (results.length === 0)
          throw new CliFailure(
            [
              {
                path: options.order === undefined ? '--account' : '--order',
                message: `no result stored for ${account}${options.order ? `/${options.order}` : ''} in ${month} (${store.description})`,
              },
            ],
            EXIT_FAILURE,
          );
        if (options.html !== undefined && results.length > 1)
          throw new CliFailure([
            {
              path: '--html',
              message: `${account} has ${results.length} service months in ${month} (${results.map((r) => r.report.orderId).join(', ')}): name one with --order`,
            },
          ]);
        const notices = await listNotices(store.table, account, month);
        for (const [i, latest] of results.entries()) {
          const { notice, report, origin } = await noticeFor(store.table, latest, kind, notices);
          if (kind !== 'correction' && notice.compensationPercent === 0)
            io.stderr(`note: ${notice.noticeId}: the month met the commitment; no ${kind} notice is sent for it\n`);
          const rendered = renderNotice({ notice, report }, language);
          io.stdout(
            `${i > 0 ? '\n' : ''}# ${notice.noticeId} (${origin}; ${language})\n\n` +
              `Subject: ${rendered.subject}\n\n${rendered.text.replace(/\n*$/, '\n')}`,
          );
          if (options.html !== undefined) {
            try {
              writeFileSync(options.html, rendered.html);
            } catch (e) {
              const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
              throw new CliFailure([{ path: '--html', message: `${options.html} cannot be written (${code})` }]);
            }
            io.stdout(`\nHTML written to ${options.html}\n`);
          }
        }
      });
    });

export const noticesCommand = (io: Io): Command =>
  new Command('notices')
    .description('notices to customers (SPEC R11): list them, redrive the dead-letter queue, preview one')
    .addCommand(noticesList(io))
    .addCommand(noticesRedrive(io))
    .addCommand(noticesPreview(io));
