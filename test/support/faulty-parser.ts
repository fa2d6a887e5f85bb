/** Preloaded into a CLI run from the sources (`node --import tsx --import ./test/support/faulty-parser.ts src/cli/main.ts`):
 * the SARIF parser fails with a TypeError half-way through a report, as a bug of ours would. */
import { breakParser } from './parser-fault.ts';

breakParser('sarif');
