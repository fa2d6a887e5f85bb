// Bundles the CLI and server into dist/entente.js; dependencies stay in node_modules (PGlite loads its wasm from there).
// Then builds the web app (web/) into dist/web with Vite, which `entente serve` serves at /.
// Code splitting keeps each subcommand's code and its packages in a chunk of its own, loaded when the command runs:
// in one file, every package any command uses (PGlite, the language library, the HTTP stack) loaded at start-up.
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
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
  // PGlite loads its wasm and data files from its own folder, and pg may ask for its optional native binding: both stay
  // in node_modules. Every other package is bundled, so a command loads a few chunks instead of resolving hundreds of
  // small files (Kysely alone is 260): that was a third of a cold `entente gate --server` start.
  external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg', 'pg-boss'],
  sourcemap: true,
  // Bundled CommonJS packages call require(); in an ES module it has to be made.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __entente_createRequire } from 'node:module';\nconst require = __entente_createRequire(import.meta.url);" },
  logLevel: 'warning',
});
// `entente` on the PATH (npm link, npx entente) runs the file itself: the shebang is in the banner, the mode is here.
chmodSync('dist/entente.js', 0o755);

// The web app. Vite is a development dependency: an install without them (--omit=dev) still gets a working server,
// which says at start that the web app is not built.
let vite;
if (!existsSync('web/vite.config.ts')) {
  console.warn('build: no web/ folder here, so the web app is not built; the API works without it');
} else {
  try {
    vite = await import('vite');
  } catch {
    console.warn('build: vite is not installed (npm install without --omit=dev), so the web app is not built; the API works without it');
  }
}
if (vite) {
  await vite.build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
  // The script the first page loads (the shell and sign-in; each page is a chunk of its own, loaded when shown).
  const entry = /<script[^>]+src="\/([^"]+\.js)"/.exec(readFileSync('dist/web/index.html', 'utf8'))?.[1];
  if (entry) {
    const kb = gzipSync(readFileSync(`dist/web/${entry}`)).length / 1024;
    console.log(`build: the web app's first page loads ${kb.toFixed(0)} kB of script gzipped (budget 300 kB)`);
    if (kb > 300) process.exitCode = 1;
  }
}
