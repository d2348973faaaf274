// `sla ingest --probes FILE…`: backfill probe NDJSON through the same ingestion path as the
// scheduled functions; `sla ingest quarantine`: the records that could not be ingested.

import { createReadStream, statSync } from 'node:fs';
import { Command } from 'commander';
import { IANAZone } from 'luxon';
import { BACKFILL_SOURCE, FEED_SOURCE, PROBER_SOURCE } from '#adapters/dynamodb/keys.ts';
import type { Io } from './main.ts';
import { CliFailure } from './output.ts';
import { type StoreOptions, withStore, withStoreOptions } from './store.ts';

const SOURCES = [FEED_SOURCE, PROBER_SOURCE, BACKFILL_SOURCE];

interface IngestOptions extends StoreOptions {
  probes: string[];
  timeZone: string;
  retentionDays: string;
  quiet?: boolean;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export const ingestCommand = (io: Io): Command => {
  const command = withStoreOptions(new Command('ingest'))
    .description('ingest probe NDJSON files into minute facts (backfill), through the scheduled path')
    .option(
      '--probes <file>',
      'probe results, one JSON object a line (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--time-zone <zone>', 'policy time zone', 'Asia/Shanghai')
    .option('--retention-days <n>', 'days raw facts are kept after the last claim on them closes', '30')
    .option('--quiet', 'no progress display')
    .action(async (options: IngestOptions) => {
      if (options.probes.length === 0)
        throw new CliFailure([{ path: '--probes', message: 'name at least one NDJSON file' }]);
      if (!IANAZone.isValidZone(options.timeZone)) {
        throw new CliFailure([{ path: '--time-zone', message: `"${options.timeZone}" is not an IANA time zone` }]);
      }
      const retention = Number(options.retentionDays);
      if (!Number.isInteger(retention) || retention < 0) {
        throw new CliFailure([{ path: '--retention-days', message: 'must be a whole number of days ≥ 0' }]);
      }
      const sizes = options.probes.map((file) => {
        try {
          const stat = statSync(file);
          if (!stat.isFile()) throw new CliFailure([{ path: file, message: 'is not a file' }]);
          return stat.size;
        } catch (e) {
          if (e instanceof CliFailure) throw e;
          throw new CliFailure([
            { path: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` },
          ]);
        }
      });
      const total = sizes.reduce((a, b) => a + b, 0);
      await withStore(options, async (store) => {
        const runId = new Date().toISOString();
        let shown = 0;
        let before = 0;
        for (const [i, file] of options.probes.entries()) {
          const { ProbeIngest } = await import('#ingest/ingest-probes.ts');
          const ingest = await ProbeIngest.open({
            table: store.table,
            source: BACKFILL_SOURCE,
            runId: `${runId}#${i}`,
            timeZone: options.timeZone,
            retentionDaysAfterClaimClose: retention,
            onProgress: ({ lines, bytes }) => {
              const done = before + bytes;
              if (options.quiet || done - shown < 8e6) return;
              shown = done;
              io.stderr(
                `ingest: ${file}: ${lines.toLocaleString('en')} lines, ${mb(done)} of ${mb(total)} (${Math.floor((100 * done) / Math.max(total, 1))} %)\n`,
              );
            },
          });
          for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) ingest.push(chunk as Buffer);
          if (!options.quiet) io.stderr(`ingest: ${file}: writing minute facts…\n`);
          const summary = await ingest.finish();
          for (const order of summary.corruptOrders) {
            io.stderr(
              `warning: stored order ${order} cannot be read; its account's results were ignored — import it again\n`,
            );
          }
          before += sizes[i] ?? 0;
          io.stdout(
            `${file}: ${summary.probes} results, ${summary.hourItems} account-hours written, ${summary.ignoredProbes} ignored (no order covers them), ${summary.droppedFields} fields dropped (R12), ${summary.quarantined} quarantined\n`,
          );
        }
        io.stdout(
          `stored in ${store.description}; write units ${store.table.meter.writeUnits}, read units ${store.table.meter.readUnits}\n`,
        );
      });
    });

  command
    .command('quarantine')
    .description('list the probe records that could not be ingested (problems and kept fields, never the raw line)')
    .option('--source <name>', `one of ${SOURCES.join(', ')} (default: all)`)
    .option('--json', 'one JSON object a line')
    .action(async (_: unknown, sub: Command) => {
      const options = { ...command.opts<StoreOptions>(), ...sub.opts<{ source?: string; json?: boolean }>() };
      if (options.source && !SOURCES.includes(options.source)) {
        throw new CliFailure([{ path: '--source', message: `must be one of ${SOURCES.join(', ')}` }]);
      }
      await withStore(options, async (store) => {
        let count = 0;
        for (const source of options.source ? [options.source] : SOURCES) {
          for (const record of await (await import('#adapters/dynamodb/registry-repository.ts')).listQuarantined(
            store.table,
            source,
          )) {
            count++;
            io.stdout(
              options.json
                ? `${JSON.stringify(record)}\n`
                : `${record.source} ${record.runId} line ${record.line}: ${record.problems.map((p) => `${p.field || '(line)'}: ${p.message}`).join('; ')} [sha256 ${record.sha256.slice(0, 12)}…]\n`,
            );
          }
        }
        if (!options.json) io.stdout(`${count} quarantined record${count === 1 ? '' : 's'} (${store.description})\n`);
      });
    });

  command
    .command('runs')
    .description('list ingest runs and their counts')
    .option('--source <name>', `one of ${SOURCES.join(', ')} (default: all)`)
    .action(async (_: unknown, sub: Command) => {
      const options = { ...command.opts<StoreOptions>(), ...sub.opts<{ source?: string }>() };
      await withStore(options, async (store) => {
        for (const source of options.source ? [options.source] : SOURCES) {
          for (const run of await (await import('#adapters/dynamodb/registry-repository.ts')).listIngestRuns(
            store.table,
            source,
          ))
            io.stdout(`${JSON.stringify(run)}\n`);
        }
      });
    });
  return command;
};
