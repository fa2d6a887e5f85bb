// Bundles the CLI and server into dist/entente.js; dependencies stay in node_modules (PGlite loads its wasm from there).
// Code splitting keeps each subcommand's code and its packages in a chunk of its own, loaded when the command runs:
// in one file, every package any command uses (PGlite, the language library, the HTTP stack) loaded at start-up.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { entente: 'src/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
