// `sla claims add`: file a claim as the ticket system would (SPEC R10) and print its verdict;
// `sla claims list`: the claims recorded, with verdicts, and the vouchers issued.
//
// add: exit 0 for any verdict, accepted or rejected (a rejection is a recorded answer, not an
// error); exit 2 naming the option on bad input, nothing written. Without --claim-id the claim id
// is derived from the claim's content, so running the same command again answers the stored
// verdict instead of filing a second claim.

import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { IANAZone } from 'luxon';
import type { ClaimRecord, VoucherIssuance } from '#adapters/dynamodb/claim-repository.ts';
import { checkMonth } from '#domain/instant.ts';
import { checkId } from '#domain/probe.ts';
import type { ClaimPayload } from '../shared/claims/record-claim.ts';
import type { Io } from './main.ts';
import { CliFailure, type Problem } from './output.ts';
import { type StoreOptions, withStore, withStoreOptions } from './store.ts';

const OPTION_OF_FIELD: Record<string, string> = {
  claimId: '--claim-id',
  accountId: '--account',
  orderId: '--order',
  month: '--month',
  filedAt: '--filed-at',
  channel: '--channel',
};

const optionOf = (field: string): string => OPTION_OF_FIELD[field] ?? field;

/** The use case, loaded on use (`sla evaluate` never pays for the AWS SDK). */
const useCase = () => import('../shared/claims/record-claim.ts');

interface AddOptions extends StoreOptions {
  account?: string;
  order?: string;
  month?: string;
  filedAt: string;
  channel: string;
  claimId?: string;
  timeZone: string;
}

/** A claim id from the claim's content: `cli-` and 24 hex digits of its SHA-256. */
export const derivedClaimId = (claim: Omit<ClaimPayload, 'claimId'>): string =>
  `cli-${createHash('sha256')
    .update(
      JSON.stringify([
        claim.accountId ?? null,
        claim.orderId ?? null,
        claim.month ?? null,
        claim.filedAt,
        claim.channel,
      ]),
    )
    .digest('hex')
    .slice(0, 24)}`;

const serviceMonthOf = (c: Pick<ClaimRecord, 'accountId' | 'orderId' | 'month'>): string =>
  `${c.accountId ?? '(no account)'}/${c.orderId ?? '(no order)'}/${c.month ?? '(no month)'}`;

const verdictText = (claim: ClaimRecord): string =>
  claim.verdict === 'accepted'
    ? `accepted, voucher ${claim.voucher ?? '?'} CNY (result v${claim.resultVersion ?? '?'})`
    : `rejected: ${claim.reason ?? '?'}${claim.resultVersion === undefined ? '' : ` (result v${claim.resultVersion})`}`;

const claimsAdd = (io: Io): Command =>
  withStoreOptions(new Command('add'))
    .description('file a claim (§3.2) and print its verdict (SPEC R10); exit 0 for accepted and rejected alike')
    .option('--account <id>', 'the account (user) id; without it the claim lacks materials (§3.3)')
    .option('--order <id>', 'the order id; without it the claim lacks materials (§3.3)')
    .option('--month <YYYY-MM>', 'the service month claimed for')
    .requiredOption('--filed-at <instant>', 'when the claim was filed, with offset (its local day decides the window)')
    .option('--channel <name>', 'how it was filed: only ticket is accepted (§3.2)', 'ticket')
    .option('--claim-id <id>', "the ticket's id (default: derived from the claim, so a rerun is the same claim)")
    .option('--time-zone <zone>', 'policy time zone: the filed day is taken in it', 'Asia/Shanghai')
    .action(async (options: AddOptions) => {
      const fields = {
        accountId: options.account,
        orderId: options.order,
        month: options.month,
        filedAt: options.filedAt,
        channel: options.channel,
      };
      const payload = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const { parseClaim, recordClaim } = await useCase();
      const parsed = parseClaim({ claimId: options.claimId ?? derivedClaimId(fields), ...payload });
      const problems: Problem[] = (parsed.problems ?? []).map((p) => ({ path: optionOf(p.field), message: p.problem }));
      if (!IANAZone.isValidZone(options.timeZone))
        problems.push({ path: '--time-zone', message: `"${options.timeZone}" is not an IANA time zone` });
      if (parsed.problems || problems.length > 0) throw new CliFailure(problems);
      const filed = parsed.claim;
      await withStore(options, async (store) => {
        const outcome = await recordClaim(
          { table: store.table, timeZone: options.timeZone, now: () => new Date() },
          filed,
        );
        if (outcome.kind === 'conflict') {
          throw new CliFailure([
            {
              path: '--claim-id',
              message: `claim ${filed.claimId} was filed before with other content (${serviceMonthOf(outcome.stored)}, filed ${outcome.stored.filedAt} via ${outcome.stored.channel})`,
            },
          ]);
        }
        const { claim } = outcome;
        io.stdout(
          `claim ${claim.claimId} for ${serviceMonthOf(claim)}: ${verdictText(claim)}` +
            `${outcome.kind === 'already-recorded' ? ' — recorded before' : ''} (${store.description})\n`,
        );
      });
    });

interface ListOptions extends StoreOptions {
  month?: string;
  account?: string;
  json?: boolean;
}

const claimsList = (io: Io): Command =>
  withStoreOptions(new Command('list'))
    .description('the claims recorded, with their verdicts, and the vouchers issued')
    .option('--month <YYYY-MM>', 'service months of this calendar month only')
    .option('--account <id>', 'this account only')
    .option('--json', 'print {claims, vouchers} as JSON')
    .action(async (options: ListOptions) => {
      const problems: Problem[] = [];
      if (options.month !== undefined) {
        const p = checkMonth(options.month);
        if (p) problems.push({ path: '--month', message: p });
      }
      if (options.account !== undefined) {
        const p = checkId(options.account);
        if (p) problems.push({ path: '--account', message: p });
      }
      if (problems.length > 0) throw new CliFailure(problems);
      const claimsRepo = await import('#adapters/dynamodb/claim-repository.ts');
      await withStore(options, async (store) => {
        // one account: its partition; all: every claim id's record (any account, or none)
        const claims =
          options.account !== undefined
            ? (await claimsRepo.listClaims(store.table, options.account, options.month)).claims
            : (await claimsRepo.listAllClaims(store.table)).filter(
                (c) => options.month === undefined || c.month === options.month,
              );
        const months =
          options.month !== undefined
            ? [options.month]
            : [...new Set(claims.flatMap((c) => (c.verdict === 'accepted' && c.month ? [c.month] : [])))].sort();
        const vouchers: VoucherIssuance[] = [];
        for (const month of months)
          for (const v of await claimsRepo.listVouchers(store.table, month))
            if (options.account === undefined || v.accountId === options.account) vouchers.push(v);
        if (options.json) {
          io.stdout(`${JSON.stringify({ claims, vouchers }, null, 2)}\n`);
          return;
        }
        for (const c of claims)
          io.stdout(
            `claim ${c.claimId} ${serviceMonthOf(c)} filed ${c.filedAt} (${c.filedDay}) via ${c.channel}: ${verdictText(c)}\n`,
          );
        for (const v of vouchers)
          io.stdout(
            `voucher ${v.accountId}/${v.orderId}/${v.month}: ${v.amount} ${v.currency}, claim ${v.claimId}, result v${v.resultVersion}, issued ${v.issuedAt}\n`,
          );
        io.stdout(`${claims.length} claims, ${vouchers.length} vouchers (${store.description})\n`);
      });
    });

export const claimsCommand = (io: Io): Command =>
  new Command('claims')
    .description('claims for compensation (§3.2): file one, list them with their verdicts and vouchers')
    .addCommand(claimsAdd(io))
    .addCommand(claimsList(io));
