/** What Entente says after an import: what landed, what changed, and what (if anything) needs people. */
import { command } from '../suggest.ts';
import { count, list, template, withVariants } from '../template.ts';

/** The figures of one import, as `ImportSummary` carries them. */
export interface ImportFigures {
  service: string;
  scanId: number;
  format: string;
  tools: readonly string[];
  findings: number;
  created: number;
  /** Of those created, how many the report itself closed (suppressed, VEX not affected, dismissed). */
  closedInReport?: number;
  unchanged: number;
  fixed: number;
  reopened: number;
  act: number;
  attend: number;
}

const base: ImportFigures = {
  service: 'checkout-api',
  scanId: 12,
  format: 'sarif',
  tools: ['CodeQL'],
  findings: 14,
  created: 3,
  unchanged: 10,
  fixed: 2,
  reopened: 1,
  act: 1,
  attend: 2,
};

function needs(s: ImportFigures): string {
  const next = `\`${command('findings', { service: s.service, priority: 'act,attend' })}\` lists them with their reasons and due dates`;
  if (s.act && s.attend)
    return `  ${count(s.act, 'finding')} to act on now and ${s.attend} to attend to soon; ${next}. The rest we track.`;
  if (s.act) return `  ${count(s.act, 'finding')} to act on now; ${next}. The rest we track.`;
  if (s.attend) return `  ${count(s.attend, 'finding')} to attend to soon; ${next}. The rest we track.`;
  return '  Nothing here needs to interrupt anyone; we track the rest and keep their due dates.';
}

/** Import messages. */
export const importMessages = {
  /** The CLI's summary of an import: three lines. */
  summary: withVariants(
    template<ImportFigures>(
      (s) =>
        [
          `We imported ${count(s.findings, 'finding')} from ${s.tools.length ? list(s.tools) : 'the report'} (${s.format}) for ${s.service} (scan ${s.scanId}).`,
          `  created ${s.created}${s.closedInReport ? ` (${s.closedInReport} of them closed in the report itself)` : ''}, unchanged ${s.unchanged}, fixed ${s.fixed}, reopened ${s.reopened}`,
          needs(s),
        ].join('\n'),
      [
        base,
        { ...base, attend: 0 },
        { ...base, act: 0, tools: ['Trivy', 'Grype'], format: 'cyclonedx-json' },
        { ...base, findings: 1, created: 1, unchanged: 0, fixed: 0, reopened: 0, act: 0, attend: 0, tools: [] },
        { ...base, findings: 0, created: 0, unchanged: 0, fixed: 4, reopened: 0, act: 0, attend: 0 },
        { ...base, created: 5, closedInReport: 2 },
      ],
    ),
    {
      'act and attend': (s) => s.act > 0 && s.attend > 0,
      'act only': (s) => s.act > 0 && s.attend === 0,
      'attend only': (s) => s.act === 0 && s.attend > 0,
      'nothing urgent': (s) => s.act === 0 && s.attend === 0,
      'one finding': (s) => s.findings === 1,
      'no tool named': (s) => s.tools.length === 0,
      'closed in the report': (s) => (s.closedInReport ?? 0) > 0,
    },
  ),
};
