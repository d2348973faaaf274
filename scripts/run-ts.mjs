// Runs a TypeScript entry on Node 20, which cannot strip types: `node scripts/run-ts.mjs infra/app.ts [args…]`.
// esbuild bundles the entry's own source into one temporary .mjs (every node_modules package stays
// external, so aws-cdk-lib and friends load once, from node_modules, as usual), then it is imported.
//
// Two things keep the bundled code behaving like the source:
// - `import.meta.url` / `import.meta.dirname` / `import.meta.filename` in each .ts file are that
//   file's own location, so paths computed from them (Lambda entries, the repo root) hold;
// - `process.argv[1]` is the entry's absolute path, as if Node had run the .ts file itself, so the
//   usual "am I the main module" check (`pathToFileURL(process.argv[1]).href === import.meta.url`) works.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entryArg, ...rest] = process.argv.slice(2);
if (entryArg === undefined) {
  process.stderr.write('usage: node scripts/run-ts.mjs <entry.ts> [args…]\n');
  process.exit(2);
}
const entry = resolve(entryArg);

// Each .ts module gets its own `__runTsMeta` (on its first line, so line numbers hold) and `define`
// points `import.meta.*` there; esbuild binds the identifier per module, and strings are untouched.
/** @type {import('esbuild').Plugin} */
const sourceLocation = {
  name: 'source-location',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const meta = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
      const contents = `const __runTsMeta = ${JSON.stringify(meta)};${readFileSync(args.path, 'utf8')}`;
      return { contents, loader: 'ts' };
    });
  },
};

// Inside node_modules so the bundle's bare imports resolve from the repo's node_modules.
const outDir = join(root, 'node_modules/.cache/run-ts');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${process.pid}-${Date.now()}.mjs`);

try {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    define: {
      'import.meta.url': '__runTsMeta.url',
      'import.meta.dirname': '__runTsMeta.dirname',
      'import.meta.filename': '__runTsMeta.filename',
    },
    plugins: [sourceLocation],
  });
  process.setSourceMapsEnabled(true);
  process.argv = [process.argv[0] ?? process.execPath, entry, ...rest];
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
