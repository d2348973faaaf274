// `sla pipeline`: every contract example through the whole pipeline on the embedded stand-ins
// (a fresh in-memory dynalite, ProbeIngest, the synthesized month-end state machine run locally),
// with and without a shuffled, partly duplicated, batched ingest; the report built from the
// stored results must be the expected one (contracts/compare.mjs).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shuffledBatches } from '../../cli/pipeline-command.ts';
import { CONTRACTS, sla, tempDir, writeJson } from '../support/cli.ts';
import { linesOf, runMain, STACK_TRACE } from '../support/run-main.ts';

const EXAMPLES = join(CONTRACTS, 'examples');
const scenarios = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.scenario.json'))
  .map((f) => f.replace(/\.scenario\.json$/, ''))
  .sort();

const compare = (expected: string, actual: string) =>
  spawnSync(process.execPath, [join(CONTRACTS, 'compare.mjs'), expected, actual], { encoding: 'utf8' });

describe('sla pipeline', () => {
  it('has contract examples to run', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(2);
  });

  for (const name of scenarios) {
    for (const seed of [undefined, 7]) {
      it(`${name}${seed === undefined ? '' : ` (--shuffle-seed ${seed})`}: report.json is the expected report`, () => {
        // arrange
        const out = tempDir();
        const scenario = join(EXAMPLES, `${name}.scenario.json`);
        // act
        const run = sla([
          'pipeline',
          '--scenario',
          scenario,
          '--out',
          out,
          ...(seed === undefined ? [] : ['--shuffle-seed', String(seed)]),
        ]);
        // assert
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        const checked = compare(join(EXAMPLES, `${name}.expected.json`), join(out, 'report.json'));
        expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: '' });
        // the counts and warnings are those of `sla evaluate`, for these examples exactly
        const evaluated = sla(['evaluate', '--input', scenario]);
        expect(evaluated.status).toBe(0);
        const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Record<string, unknown>;
        const offline = JSON.parse(evaluated.stdout) as Record<string, unknown>;
        expect(report).toEqual(offline);
      });
    }
  }

  it("a scenario's own calendar (a holiday added): the claim windows and notices follow it, as sla evaluate's do", () => {
    // arrange: june-43-vs-44 with 2026-07-06 (a Monday among July's first business days) a holiday
    const dir = tempDir();
    const base = JSON.parse(readFileSync(join(EXAMPLES, 'june-43-vs-44.scenario.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const scenario = writeJson(dir, 'scenario.json', { ...base, calendar: { holidays: ['2026-07-06'] } });
    const out = join(dir, 'out');
    // act
    const run = sla(['pipeline', '--scenario', scenario, '--out', out]);
    const evaluated = sla(['evaluate', '--input', scenario]);
    const plain = sla(['evaluate', '--input', join(EXAMPLES, 'june-43-vs-44.scenario.json')]);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      serviceMonths: { claimWindow: { opensOn: string } | null }[];
    };
    expect(report).toEqual(JSON.parse(evaluated.stdout));
    // the added holiday moved the window: the test would pass unchanged without it otherwise
    const opensOn = (r: typeof report) =>
      r.serviceMonths.flatMap((m) => (m.claimWindow ? [m.claimWindow.opensOn] : []));
    expect(opensOn(report)).not.toEqual(opensOn(JSON.parse(plain.stdout) as typeof report));
    const notice = JSON.parse(readFileSync(join(out, 'outbox', 'acc-44~ord-44~2026-06~window-open.json'), 'utf8')) as {
      report: { claimWindow: { opensOn: string } };
    };
    expect([notice.report.claimWindow.opensOn]).toEqual(opensOn(report));
    // the month report of the stored results, in both languages, with the claim's verdict
    const model = JSON.parse(readFileSync(join(out, '2026-06', 'report-model.json'), 'utf8')) as {
      rows: { accountId: string; compensationPercent: number; claims?: unknown }[];
    };
    expect(model.rows.map((r) => [r.accountId, r.compensationPercent])).toEqual(
      (report as unknown as { serviceMonths: { accountId: string; compensationPercent: number }[] }).serviceMonths.map(
        (m) => [m.accountId, m.compensationPercent],
      ),
    );
    for (const file of ['report.html', 'report.en.html']) {
      const html = readFileSync(join(out, '2026-06', file), 'utf8');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|https?:\/\//);
    }
    expect(run.stdout).toContain(join(out, '2026-06', 'report.html'));
  });

  it('a bad scenario: exit 2 with the error lines of sla evaluate, no report', async () => {
    // arrange
    const dir = tempDir();
    const bad = writeJson(dir, 'bad.json', {
      orders: [{ accountId: 'a-1', orderId: 'o-1', startDate: '2026-06-01', months: 0, cashPaid: '1.000' }],
    });
    // act
    const run = await runMain(['pipeline', '--scenario', bad, '--out', join(dir, 'out')]);
    const evaluated = await runMain(['evaluate', '--input', bad]);
    // assert
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(STACK_TRACE);
    expect(linesOf(run.stderr).length).toBeGreaterThan(0);
    expect(run.stderr).toBe(evaluated.stderr);
    expect(readdirSync(dir)).toEqual(['bad.json']);
  });

  it('a shuffle seed gives the same batches every time: every line kept, some twice', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const batches = shuffledBatches(lines, 7);
    expect(shuffledBatches(lines, 7)).toEqual(batches);
    const all = batches.flat();
    expect(new Set(all)).toEqual(new Set(lines));
    expect(all.length).toBeGreaterThan(lines.length);
    expect(all).not.toEqual(lines);
  });
});
