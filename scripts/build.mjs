// Bundles the CLI and server into dist/entente.js; dependencies stay in node_modules (PGlite loads its wasm from there).
// Then builds the web app (web/) into dist/web with Vite, which `entente serve` serves at /.
// The CLI's bundle options, and why, are in scripts/cli-bundle.mjs.
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { cliBundleOptions } from './cli-bundle.mjs';
rmSync('dist', { recursive: true, force: true });
await build(cliBundleOptions('dist'));
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
    console.warn(
      'build: vite is not installed (npm install without --omit=dev), so the web app is not built; the API works without it',
    );
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
