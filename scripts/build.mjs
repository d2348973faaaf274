// Bundles the `sla` CLI and its probe-scan worker into dist/ and links node_modules/.bin/sla.
// Runs on `npm ci` (prepare) so a fresh clone has a working `npx sla`.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

await build({
  entryPoints: { sla: join(root, 'cli/sla.ts'), 'probe-scan-worker': join(root, 'shared/probes/scan-worker.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // dynalite loads a native LevelDB binding from its own folder: it stays a package import
  external: ['dynalite'],
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  minify: true,
  banner: {
    js: "import { createRequire as __slaRequire } from 'node:module'; const require = __slaRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(join(dist, 'sla.mjs'), 0o755);

// The month-end state machine for `sla recalc` and `sla pipeline`: the MonthEnd stack synthesized
// in a child process (bundling skipped), tokens resolved to fake ARNs (infra/month-end-definition.ts).
const started = performance.now();
execFileSync(
  process.execPath,
  [join(root, 'scripts/run-ts.mjs'), join(root, 'infra/month-end-definition.ts'), join(dist, 'month-end.asl.json')],
  { stdio: 'inherit', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
);
if (process.env.SLA_BUILD_TIMING) {
  process.stderr.write(`dist/month-end.asl.json: ${Math.round(performance.now() - started)} ms\n`);
}

const bin = join(root, 'node_modules/.bin');
if (existsSync(join(root, 'node_modules'))) {
  mkdirSync(bin, { recursive: true });
  const link = join(bin, 'sla');
  rmSync(link, { force: true });
  symlinkSync(relative(bin, join(dist, 'sla.mjs')), link);
}
