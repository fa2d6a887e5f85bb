/** `entente parse REPORT`: print the normalised findings, one JSON object per line, without touching the database. */
import { appendFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { detectParser, parserByFormat, parsers } from '../imports/parsers/index.ts';
import { reportFromFile } from '../imports/report-input.ts';
import { fingerprintOf } from '../imports/fingerprint.ts';
import { badInput } from '../errors.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';

export const parse = defineCommand({
  args: args.parse,
  async run({ args }) {
    if (args['list-formats']) {
      const width = Math.max(...parsers.map((p) => p.format.length));
      for (const p of parsers) out(`${p.format.padEnd(width)}  ${p.label}`);
      return;
    }
    if (!args.report) throw badInput('name the report to parse: entente parse REPORT');
    const input = await reportFromFile(args.report);
    const parser = args.format ? parserByFormat(args.format) : detectParser(input);
    // Collect first: a report that breaks half-way prints nothing rather than half its findings. Past 64 MB of
    // output the lines wait in a temporary file, so a 500 MB report is never held in memory.
    const held = new HeldOutput();
    try {
      for await (const f of parser.parse(input)) {
        const fp = fingerprintOf(f);
        held.add(JSON.stringify({ ...f, fingerprint: fp.value, recipe: fp.recipe }));
      }
      await held.print();
    } finally {
      held.dispose();
    }
  },
});

class HeldOutput {
  private lines: string[] = [];
  private size = 0;
  private file: { dir: string; path: string } | null = null;

  add(line: string): void {
    this.lines.push(line);
    this.size += line.length + 1;
    if (this.size > 64 << 20) this.flush();
  }

  async print(): Promise<void> {
    if (!this.file) {
      if (this.lines.length) await write(`${this.lines.join('\n')}\n`);
      return;
    }
    this.flush();
    for await (const chunk of createReadStream(this.file.path)) await write(chunk as Buffer);
  }

  dispose(): void {
    if (this.file) rmSync(this.file.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'entente-parse-'));
      this.file = { dir, path: join(dir, 'findings.jsonl') };
    }
    if (this.lines.length) appendFileSync(this.file.path, `${this.lines.join('\n')}\n`);
    this.lines = [];
    this.size = 0;
  }
}

// Waits for stdout to take each piece, so a big output is not queued in memory.
function write(data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(data)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
