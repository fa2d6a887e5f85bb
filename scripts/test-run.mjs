// Runs the test files named on the command line in node's test runner, in that order (`node --test` sorts them by
// name, which starts the longest files last), TEST_CONCURRENCY at a time, with the TAP reporter and its summary.
// Started by scripts/test.mjs under `--import tsx`, which each test file's process inherits.
import { run } from 'node:test';
import { tap } from 'node:test/reporters';
import { resolve } from 'node:path';

const files = process.argv.slice(2).map((f) => resolve(f));
const concurrency = Number(process.env.TEST_CONCURRENCY ?? '2');
const stream = run({ files, concurrency });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(tap).pipe(process.stdout);
