// Bundles the CLI and server into dist/entente.js; dependencies stay in node_modules (PGlite loads its wasm from there).
// Then builds the web app (web/) into dist/web with Vite, which `entente serve` serves at /.
// The CLI's bundle options, and why, are in scripts/cli-bundle.mjs.
import { chmodSync, existsSync, rmSync } from 'node:fs';
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
    console.warn('build: vite is not installed (npm install without --omit=dev), so the web app is not built; the API works without it');
  }
}
if (vite) await vite.build({ configFile: 'web/vite.config.ts', logLevel: 'warn' });
