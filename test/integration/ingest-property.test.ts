// Property: ingesting probe results into DynamoDB (ProbeIngest → hour items of minute sets) and
// evaluating the month from what is stored gives exactly the service months `sla evaluate` gives
// on the same scenario with its probes inline — whatever the batch split, chunking (cuts inside
// lines and UTF-8 characters), order and duplication of the results (R4, R5, R12).
//
// Each run: a fresh table on one dynalite, the orders stored with putOrder, the results pushed
// through 1–4 ProbeIngest runs, the facts read back with loadMinuteFacts over the orders' service
// periods, and evaluateScenario on the scenario without its probes.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochHourOfSk } from '#adapters/dynamodb/keys.ts';
import { type LocalDynamo, startLocalDynamo } from '#adapters/dynamodb/local-dynamodb.ts';
import { loadMinuteFacts } from '#adapters/dynamodb/minute-fact-repository.ts';
import { putOrder } from '#adapters/dynamodb/registry-repository.ts';
import { inPeriods, periodTable } from '#domain/account-periods.ts';
import { MinuteFacts } from '#domain/minute-facts.ts';
import { validateProbe } from '#domain/probe.ts';
import { ProbeIngest } from '#ingest/ingest-probes.ts';
import { evaluateScenario } from '#scenario/evaluate-scenario.ts';
import { foldScenarioProbes } from '#scenario/fold-probes.ts';
import { parseScenario, type Scenario } from '#scenario/parse-scenario.ts';
import { scanAll, tableFactory } from '../support/dynamo.ts';
import {
  batchesOf,
  type IngestLayout,
  type IngestScenario,
  ingestLayoutArb,
  ingestScenarioArb,
  scenarioText,
} from '../support/ingest-arbitraries.ts';
import { runMain } from '../support/run-main.ts';

let dynamo: LocalDynamo | undefined;
const tables = tableFactory(() => {
  if (!dynamo) throw new Error('dynalite is not started');
  return dynamo;
}, 'ingest-property');

beforeAll(async () => {
  dynamo = await startLocalDynamo('ingest-property-0');
});

afterAll(async () => {
  tables.destroy();
  await dynamo?.close();
});

/** The number-set attributes of an hour item (minute-fact-repository.ts): ok, pf, c2…c9. */
const HOUR_FACT_ATTRIBUTES = ['ok', 'pf', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'];

/** What `sla evaluate` computes for a scenario with its probes inline (cli/evaluate-command.ts). */
const evaluateInline = (scenario: Scenario) => {
  const periods = periodTable(scenario.orders, scenario.policy.timeZone);
  const facts = new MinuteFacts();
  const tally = foldScenarioProbes(scenario.probes, periods, facts);
  const evaluated = evaluateScenario(scenario, facts, tally);
  if (evaluated.problems) throw new Error(`evaluate: ${JSON.stringify(evaluated.problems)}`);
  return { report: evaluated.report, facts, periods };
};

/** Every observed minute of the facts inside the periods, as `account minute state`. */
const observedIn = (facts: MinuteFacts, periods: ReadonlyMap<string, Float64Array>): string[] => {
  const out: string[] = [];
  for (const [accountId, pairs] of periods) {
    for (let i = 0; i < pairs.length; i += 2) {
      facts.forEachObserved(accountId, pairs[i] ?? 0, pairs[i + 1] ?? 0, (m, s) => out.push(`${accountId} ${m} ${s}`));
    }
  }
  return out.sort();
};

const checkIngestion = async (model: IngestScenario, layout: IngestLayout): Promise<void> => {
  const parsed = parseScenario(scenarioText(model));
  if (parsed.problems) throw new Error(`generated scenario rejected: ${JSON.stringify(parsed.problems)}`);
  const { scenario } = parsed;
  const zone = scenario.policy.timeZone;
  const expected = evaluateInline(scenario);
  // the same as the command itself prints
  const cli = await runMain(['evaluate', '--input', '-'], { stdin: scenarioText(model) });
  expect(cli.status, cli.stderr).toBe(0);
  expect((JSON.parse(cli.stdout) as { serviceMonths: unknown }).serviceMonths).toEqual(expected.report.serviceMonths);

  // which results the scenario path ignores (unknown account, outside every period)
  const ignored = model.probes.map((p) => {
    const fact = validateProbe(JSON.parse(p.text));
    if (Array.isArray(fact)) throw new Error(`generated probe rejected: ${p.text}`);
    const periods = expected.periods.get(fact.accountId);
    return !periods || !inPeriods(periods, fact.minute);
  });

  // ingest: orders first, then the results in 1–4 runs of random chunks, order and repeats
  const { table } = await tables.fresh();
  for (const order of model.orders) expect(await putOrder(table, order)).toBe('created');
  const batches = batchesOf(
    model.probes.length,
    model.probes.map((p) => p.text),
    layout,
  );
  for (const [run, batch] of batches.entries()) {
    const ingest = await ProbeIngest.open({
      table,
      source: 'backfill',
      runId: `run-${run}`,
      timeZone: zone,
      retentionDaysAfterClaimClose: 30,
    });
    for (const chunk of batch.chunks) ingest.push(chunk);
    const summary = await ingest.finish();
    expect(summary, `ingest run ${run}`).toMatchObject({
      probes: batch.lines.length,
      ignoredProbes: batch.lines.filter((i) => ignored[i]).length,
      droppedFields: batch.lines.reduce((n, i) => n + (model.probes[i]?.dropped ?? 0), 0),
      quarantined: 0,
    });
  }

  // what is stored: only known accounts, only minutes inside their service periods
  for (const item of await scanAll(table)) {
    const pk = item.pk?.S ?? '';
    if (!pk.startsWith('ACCOUNT#')) continue;
    const accountId = pk.slice('ACCOUNT#'.length);
    const periods = expected.periods.get(accountId);
    expect(periods, `hour items of an unknown account ${accountId}`).toBeDefined();
    // the data is old: its hours are late items (DAY#<day>#LATE#<hour>), keyed like HOUR# by the epoch hour
    const base = epochHourOfSk(item.sk?.S ?? '') * 60;
    for (const attribute of HOUR_FACT_ATTRIBUTES) {
      for (const m of item[attribute]?.NS ?? []) {
        expect(periods && inPeriods(periods, base + Number(m)), `${accountId} minute ${base + Number(m)}`).toBe(true);
      }
    }
  }

  // read back and evaluate the scenario without its probes
  const facts = await loadMinuteFacts(table, expected.periods, new MinuteFacts());
  expect(observedIn(facts, expected.periods)).toEqual(observedIn(expected.facts, expected.periods));
  const stored = evaluateScenario({ ...scenario, probes: [] }, facts, { ignoredProbes: 0, droppedFields: 0 });
  if (stored.problems) throw new Error(`evaluate: ${JSON.stringify(stored.problems)}`);
  expect(stored.report.serviceMonths).toEqual(expected.report.serviceMonths);
  expect(stored.report.warnings).toEqual(expected.report.warnings);
};

describe('ingestion into DynamoDB gives the verdicts of sla evaluate (R4, R5, R12)', () => {
  it('for any batch split, chunking, order and duplication of the results', async () => {
    await fc.assert(fc.asyncProperty(ingestScenarioArb, ingestLayoutArb, checkIngestion), {
      seed: 20_260_611,
      numRuns: 32,
      interruptAfterTimeLimit: 90_000,
      markInterruptAsFailure: true,
    });
  }, 120_000);

  it('the generator reaches what the property is about: ignored results, exclusions, missed commitments', () => {
    // a guard against a generator that silently stops covering the interesting cases
    const samples = fc.sample(fc.tuple(ingestScenarioArb, ingestLayoutArb), { seed: 20_260_611, numRuns: 32 });
    let ignoredResults = 0;
    let excludedMinutes = 0;
    let missed = 0;
    let duplicated = 0;
    for (const [model, layout] of samples) {
      const parsed = parseScenario(scenarioText(model));
      if (parsed.problems) throw new Error(JSON.stringify(parsed.problems));
      const { report } = evaluateInline(parsed.scenario);
      ignoredResults += report.ignoredProbes;
      for (const m of report.serviceMonths) {
        excludedMinutes += Object.values(m.excludedMinutes).reduce((a, b) => a + b, 0);
        if (m.compensationPercent > 0) missed++;
      }
      const sent = batchesOf(
        model.probes.length,
        model.probes.map((p) => p.text),
        layout,
      ).reduce((n, b) => n + b.lines.length, 0);
      if (sent > model.probes.length) duplicated++;
    }
    expect(ignoredResults).toBeGreaterThan(0);
    expect(excludedMinutes).toBeGreaterThan(0);
    expect(missed).toBeGreaterThan(0);
    expect(duplicated).toBeGreaterThan(0);
  });
});
