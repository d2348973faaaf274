// Operator verbs for the facts beside the probes: orders, maintenance, exclusions, prober endpoints.
//
// Everything is validated with the scenario rules before anything is written (the same checks,
// paths and messages as `sla evaluate`); a record already stored with other terms is a
// conflict, reported, never overwritten; re-running the same import changes nothing.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { orderSk } from '#adapters/dynamodb/keys.ts';
import type { OrderRecord } from '#adapters/dynamodb/registry-repository.ts';
import { jsonSyntaxProblem } from '#domain/json-problem.ts';
import { checkId } from '#domain/probe.ts';
import { type InputProblem, parseScenario } from '#scenario/parse-scenario.ts';
import type { Io } from './main.ts';
import { CliFailure } from './output.ts';
import { type StoreOptions, withStore, withStoreOptions } from './store.ts';

/** The repository, loaded on use (the AWS SDK is not needed by `sla evaluate`). */
const repository = () => import('#adapters/dynamodb/registry-repository.ts');

const problemsOf = (doc: unknown): InputProblem[] => parseScenario(JSON.stringify(doc)).problems ?? [];

const readJson = (file: string, io: Io): unknown => {
  let text: string;
  try {
    text = file === '-' ? io.stdin() : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliFailure([
      { path: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliFailure([{ path: file, message: `malformed JSON (${jsonSyntaxProblem(e)})` }]);
  }
};

const accountList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const ordersImport = (io: Io): Command =>
  withStoreOptions(new Command('import'))
    .description('import orders (the scenario format: an array of orders, or a scenario with "orders")')
    .argument('<file>', "orders JSON file, or '-' for stdin")
    .action(async (file: string, options: StoreOptions) => {
      const doc = readJson(file, io);
      const orders = (Array.isArray(doc) ? doc : (doc as { orders?: unknown })?.orders) as unknown;
      if (!Array.isArray(orders)) {
        throw new CliFailure([
          { path: file, message: 'must be an array of orders or an object with an "orders" array' },
        ]);
      }
      const own = problemsOf({ orders });
      if (own.length > 0) throw new CliFailure(own.map((p) => ({ ...p, path: `${file}: ${p.path}` })));
      await withStore(options, async (store) => {
        const existing = await (await repository()).listOrders(store.table);
        const { canonicalJson } = await repository();
        const stored = new Map(existing.map((o) => [orderSk(o.accountId, o.orderId), canonicalJson(o)]));
        const incoming = orders as OrderRecord[];
        const problems: InputProblem[] = [];
        incoming.forEach((o, i) => {
          const before = stored.get(orderSk(o.accountId, o.orderId));
          if (before !== undefined && before !== canonicalJson(o)) {
            problems.push({
              path: `${file}: orders[${i}]`,
              message: `${o.accountId}/${o.orderId} is stored with other terms: ${before}`,
            });
          }
        });
        // overlaps with stored orders: checked as one scenario, reported against the new file
        const fresh = incoming.filter((o) => !stored.has(orderSk(o.accountId, o.orderId)));
        for (const p of problemsOf({ orders: [...existing, ...fresh] })) {
          const m = /^orders\[(\d+)\]/.exec(p.path);
          const index = m ? Number(m[1]) - existing.length : -1;
          const order = fresh[index];
          const at = order ? incoming.indexOf(order) : -1;
          problems.push({
            path: at >= 0 ? `${file}: orders[${at}]` : file,
            message: p.message.replace(/orders\[(\d+)\]/g, (_, n) =>
              describeIndex(Number(n), existing, fresh, incoming),
            ),
          });
        }
        if (problems.length > 0) throw new CliFailure(problems);
        const counts = { created: 0, unchanged: 0, conflict: 0 };
        for (const o of incoming) counts[await (await repository()).putOrder(store.table, o)]++;
        io.stdout(`orders: ${counts.created} imported, ${counts.unchanged} already stored (${store.description})\n`);
        if (counts.conflict > 0)
          throw new CliFailure(
            [{ path: file, message: `${counts.conflict} orders changed while importing; run again` }],
            1,
          );
      });
    });

const describeIndex = (
  n: number,
  existing: readonly OrderRecord[],
  fresh: readonly OrderRecord[],
  incoming: readonly OrderRecord[],
): string => {
  if (n < existing.length) {
    const o = existing[n];
    return `stored order ${o?.accountId}/${o?.orderId}`;
  }
  const o = fresh[n - existing.length];
  return o ? `orders[${incoming.indexOf(o)}]` : `orders[${n}]`;
};

interface MaintenanceOptions extends StoreOptions {
  id: string;
  announcedAt: string;
  start: string;
  end: string;
  accounts?: string;
  description?: string;
}

const OPTION_OF_FIELD: Record<string, string> = {
  id: '--id',
  announcedAt: '--announced-at',
  start: '--start',
  end: '--end',
  accountIds: '--accounts',
  description: '--description',
  clause: '--clause',
  reason: '--reason',
};

/** `maintenance[0].announcedAt` → `--announced-at` */
const asOptionPath = (path: string): string => {
  const m = /^\w+\[0\]\.(\w+)(.*)$/.exec(path);
  return m ? `${OPTION_OF_FIELD[m[1] ?? ''] ?? m[1]}${m[2] ?? ''}` : path;
};

const maintenanceAdd = (io: Io): Command =>
  withStoreOptions(new Command('add'))
    .description('record an announced maintenance window (§4.1): it excludes only if announced in advance')
    .requiredOption('--id <id>', 'window id')
    .requiredOption('--announced-at <instant>', 'when customers were told, with offset')
    .requiredOption('--start <instant>', 'start, with offset')
    .requiredOption('--end <instant>', 'end (exclusive), with offset')
    .option('--accounts <ids>', 'comma-separated account ids (default: every account)')
    .option('--description <text>', 'what the maintenance is')
    .action(async (options: MaintenanceOptions) => {
      const window = {
        id: options.id,
        announcedAt: options.announcedAt,
        start: options.start,
        end: options.end,
        ...(options.accounts !== undefined ? { accountIds: accountList(options.accounts) } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
      };
      const problems = problemsOf({ orders: [], maintenance: [window] });
      if (problems.length > 0) throw new CliFailure(problems.map((p) => ({ ...p, path: asOptionPath(p.path) })));
      await withStore(options, async (store) => {
        const outcome = await (await repository()).putMaintenance(store.table, window);
        if (outcome === 'conflict') {
          const before = (await (await repository()).listMaintenance(store.table)).find((m) => m.id === window.id);
          throw new CliFailure([
            { path: '--id', message: `maintenance ${window.id} is stored with other terms: ${JSON.stringify(before)}` },
          ]);
        }
        io.stdout(
          `maintenance ${window.id}: ${outcome === 'created' ? 'recorded' : 'already recorded'} (${store.description})\n`,
        );
      });
    });

interface ExclusionOptions extends StoreOptions {
  id: string;
  clause: string;
  start: string;
  end: string;
  reason?: string;
  accounts?: string;
}

const exclusionsAdd = (io: Io): Command =>
  withStoreOptions(new Command('add'))
    .description('record an operator exclusion (§4.2–§4.9) with its clause and reason')
    .requiredOption('--id <id>', 'exclusion id')
    .requiredOption('--clause <clause>', 'one of 4.2 … 4.9')
    .requiredOption('--start <instant>', 'start, with offset')
    .requiredOption('--end <instant>', 'end (exclusive), with offset')
    .requiredOption('--reason <text>', 'why these minutes are excluded (kept for the audit)')
    .option('--accounts <ids>', 'comma-separated account ids (default: every account)')
    .action(async (options: ExclusionOptions) => {
      const exclusion = {
        id: options.id,
        clause: options.clause,
        start: options.start,
        end: options.end,
        reason: options.reason ?? '',
        ...(options.accounts !== undefined ? { accountIds: accountList(options.accounts) } : {}),
      };
      const problems = problemsOf({ orders: [], exclusions: [exclusion] });
      if (problems.length > 0) throw new CliFailure(problems.map((p) => ({ ...p, path: asOptionPath(p.path) })));
      await withStore(options, async (store) => {
        const outcome = await (await repository()).putExclusion(store.table, exclusion);
        if (outcome === 'conflict') {
          const before = (await (await repository()).listExclusions(store.table)).find((x) => x.id === exclusion.id);
          throw new CliFailure([
            {
              path: '--id',
              message: `exclusion ${exclusion.id} is stored with other terms: ${JSON.stringify(before)}`,
            },
          ]);
        }
        io.stdout(
          `exclusion ${exclusion.id} (§${exclusion.clause}): ${outcome === 'created' ? 'recorded' : 'already recorded'} (${store.description})\n`,
        );
      });
    });

interface AccountOptions extends StoreOptions {
  account: string;
  baseUrl: string;
  inactive?: boolean;
}

const accountsAdd = (io: Io): Command =>
  withStoreOptions(new Command('add'))
    .description("register (or update) where the built-in prober reaches an account's four functions")
    .requiredOption('--account <id>', 'account id')
    .requiredOption(
      '--base-url <url>',
      "base URL of the account's TCMPP functions (check-update, publish, download, manage)",
    )
    .option('--inactive', 'keep the account but do not probe it')
    .action(async (options: AccountOptions) => {
      const problems: InputProblem[] = [];
      const idProblem = checkId(options.account);
      if (idProblem) problems.push({ path: '--account', message: idProblem });
      if (!URL.canParse(options.baseUrl) || !/^https?:$/.test(new URL(options.baseUrl).protocol)) {
        problems.push({ path: '--base-url', message: `"${options.baseUrl}" is not an http(s) URL` });
      }
      if (problems.length > 0) throw new CliFailure(problems);
      await withStore(options, async (store) => {
        await (await repository()).putProfile(store.table, {
          accountId: options.account,
          baseUrl: options.baseUrl,
          active: !options.inactive,
        });
        io.stdout(
          `account ${options.account}: probed at ${options.baseUrl}${options.inactive ? ' (inactive)' : ''} (${store.description})\n`,
        );
      });
    });

interface ContactOptions extends StoreOptions {
  account: string;
  email: string[];
  webhook: string[];
  language: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const accountsContact = (io: Io): Command =>
  withStoreOptions(new Command('contact'))
    .description("set where an account's notices go (replaces its channels): business emails and/or HTTPS webhooks")
    .requiredOption('--account <id>', 'account id')
    .option('--email <address>', 'a business email address (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--webhook <url>', 'an HTTPS webhook URL (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--language <tag>', 'zh-CN or en', 'zh-CN')
    .action(async (options: ContactOptions) => {
      const problems: InputProblem[] = [];
      const idProblem = checkId(options.account);
      if (idProblem) problems.push({ path: '--account', message: idProblem });
      if (options.language !== 'zh-CN' && options.language !== 'en')
        problems.push({ path: '--language', message: 'must be zh-CN or en' });
      options.email.forEach((address, i) => {
        if (!EMAIL.test(address))
          problems.push({ path: `--email[${i}]`, message: `"${address}" is not an email address` });
      });
      options.webhook.forEach((url, i) => {
        if (!URL.canParse(url) || new URL(url).protocol !== 'https:')
          problems.push({ path: `--webhook[${i}]`, message: `"${url}" is not an https URL` });
      });
      if (options.email.length + options.webhook.length === 0)
        problems.push({ path: '--email', message: 'give at least one --email or --webhook' });
      if (problems.length > 0) throw new CliFailure(problems);
      const language = options.language as 'zh-CN' | 'en';
      await withStore(options, async (store) => {
        await (await repository()).putContactPreferences(store.table, {
          accountId: options.account,
          channels: [
            ...options.email.map((address) => ({ kind: 'email' as const, address, language })),
            ...options.webhook.map((url) => ({ kind: 'webhook' as const, url, language })),
          ],
        });
        io.stdout(
          `account ${options.account}: ${options.email.length} email and ${options.webhook.length} webhook channel(s) for notices (${store.description})\n`,
        );
      });
    });

export const registryCommands = (io: Io): Command[] => [
  new Command('orders').description('orders: who pays what for which service period').addCommand(ordersImport(io)),
  new Command('maintenance').description('announced maintenance windows (§4.1)').addCommand(maintenanceAdd(io)),
  new Command('exclusions').description('operator exclusions (§4.2–§4.9)').addCommand(exclusionsAdd(io)),
  new Command('accounts')
    .description('accounts: where the built-in prober calls them, where their notices go')
    .addCommand(accountsAdd(io))
    .addCommand(accountsContact(io)),
];
