/** `entente parse REPORT`: print the normalised findings, one JSON object per line, without touching the database. */
import { defineCommand } from 'citty';
import { detectParser, parserByFormat, parsers } from '../findings/parsers/index.ts';
import { reportFromFile } from '../findings/report-input.ts';
import { fingerprintOf } from '../findings/fingerprint.ts';
import { badInput } from '../errors.ts';
import { out } from './shared.ts';

export default defineCommand({
  meta: { name: 'parse', description: 'Print a report\'s normalised findings as JSON lines (no database)' },
  args: {
    report: { type: 'positional', required: false, description: 'the report file' },
    format: { type: 'string', description: 'force a format' },
    'list-formats': { type: 'boolean', description: 'list the formats Entente reads' },
  },
  async run({ args }) {
    if (args['list-formats']) {
      for (const p of parsers) out(`${p.format.padEnd(16)} ${p.label}`);
      return;
    }
    if (!args.report) throw badInput('name the report to parse: entente parse REPORT');
    const input = await reportFromFile(args.report);
    const parser = args.format ? parserByFormat(args.format) : detectParser(input);
    // Collect first: a report that breaks half-way prints nothing rather than half its findings.
    const lines: string[] = [];
    for await (const f of parser.parse(input)) {
      const fp = fingerprintOf(f);
      lines.push(JSON.stringify({ ...f, fingerprint: fp.value, recipe: fp.recipe }));
    }
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  },
});
