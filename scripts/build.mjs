// Bundles the `sla` CLI and its probe-scan worker into dist/ and links node_modules/.bin/sla.
// Runs on `npm ci` (prepare) so a fresh clone has a working `npx sla`.
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

const bin = join(root, 'node_modules/.bin');
if (existsSync(join(root, 'node_modules'))) {
  mkdirSync(bin, { recursive: true });
  const link = join(bin, 'sla');
  rmSync(link, { force: true });
  symlinkSync(relative(bin, join(dist, 'sla.mjs')), link);
}
