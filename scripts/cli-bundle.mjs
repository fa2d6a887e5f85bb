// The esbuild options that bundle the CLI and server (src/cli/main.ts) into `outdir`/entente.js: scripts/build.mjs
// builds dist/ with them, and scripts/test.mjs a bundle the CLI tests spawn.
// Code splitting keeps each subcommand's code and its packages in a chunk of its own, loaded when the command runs:
// in one file, every package any command uses (PGlite, the language library, the HTTP stack) loaded at start-up.
export function cliBundleOptions(outdir) {
  return {
    // gate-worker.js: the code of the thread a big gate decides in (src/gates/gate-worker.ts finds it beside entente.js).
    entryPoints: { entente: 'src/cli/main.ts', 'gate-worker': 'src/gates/gate-worker-main.ts' },
    outdir,
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
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __entente_createRequire } from 'node:module';\nconst require = __entente_createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  };
}
