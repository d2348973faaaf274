import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACTS, sla, tempDir } from '../support/cli.ts';

const examples = readdirSync(join(CONTRACTS, 'examples'))
  .filter((f) => f.endsWith('.scenario.json'))
  .map((f) => f.replace('.scenario.json', ''));

describe('sla evaluate on the contract examples', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('%s produces the expected report (compare.mjs)', (name) => {
    // arrange
    const dir = tempDir();
    const actual = join(dir, `${name}.report.json`);
    // act
    const run = sla(['evaluate', '--input', join(CONTRACTS, 'examples', `${name}.scenario.json`)]);
    writeFileSync(actual, run.stdout);
    // assert
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const verdict = execFileSync(
      process.execPath,
      [join(CONTRACTS, 'compare.mjs'), join(CONTRACTS, 'examples', `${name}.expected.json`), actual],
      { encoding: 'utf8' },
    );
    expect(verdict).toBe('');
  });
});
