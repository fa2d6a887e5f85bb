/** The organisation file users keep in git: teams and services, validated with clear paths. */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.ts';
import { notifySchema } from './team-notify.ts';

const email = z.string().trim().toLowerCase().pipe(z.email());
// Hosts, repositories and compliance labels: free text on one line (a NUL could not even be stored).
const label = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'use one line of text, without control characters');
const name = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*$/, 'use letters, digits, dot, dash, underscore or space');

const teamSchema = z
  .object({
    name,
    kind: z.enum(['engineering', 'it-operations', 'security']),
    lead: email.optional(),
    members: z.array(email).default([]),
    /** Slack, Teams, a signed webhook and the Jira project (src/people/team-notify.ts). */
    notify: notifySchema.optional(),
  })
  .strict();

const serviceSchema = z
  .object({
    name,
    owner: name,
    criticality: z.number().int().min(1).max(4),
    exposure: z.enum(['internet', 'internal', 'isolated']),
    data: z.enum(['public', 'internal', 'confidential', 'restricted']).default('internal'),
    repositories: z.array(label).default([]),
    hosts: z.array(label).default([]),
    compliance: z.array(label).default([]),
  })
  .strict();

const orgSchema = z
  .object({
    teams: z.array(teamSchema).default([]),
    services: z.array(serviceSchema).default([]),
  })
  .strict();

export type OrgFile = z.infer<typeof orgSchema>;
export type TeamSpec = z.infer<typeof teamSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;

/** Reads and validates an organisation YAML; errors name the file, the line and the field. */
export function parseOrgFile(text: string, source: string): OrgFile {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lineAt(text, e.pos[0]);
    throw badInput(`${source}: not valid YAML at line ${line}: ${e.message.split('\n')[0]}`, { file: source, line });
  }
  let value: unknown;
  try {
    // yaml refuses a file whose aliases would expand past 100 references (an "alias bomb"): bad input, not a crash.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw badInput(
      `${source}: cannot be read: ${(e as Error).message}; write the values out instead of referring to them (&anchor / *alias) so many times`,
      { file: source },
    );
  }
  const result = orgSchema.safeParse(value ?? {});
  if (!result.success) {
    // Every mistake at once, each with its line. A misspelt key also makes the field it was meant to be "missing"; the
    // misspelling is what to report, so a missing field beside an unknown key is left out.
    const issues = result.error.issues;
    const misspeltIn = new Set(issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')));
    const shown = [
      ...issues.filter((i) => i.code === 'unrecognized_keys'),
      ...issues.filter(
        (i) =>
          i.code !== 'unrecognized_keys'
          && !(
            i.code === 'invalid_type'
            && /received undefined/.test(i.message)
            && misspeltIn.has(i.path.slice(0, -1).join('.'))
          ),
      ),
    ];
    const mistakes = shown
      .map((issue) => {
        const at = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])] as (
          | string
          | number
        )[];
        const path = at.join('.');
        const line = lineOf(doc, text, at);
        return { path, line, text: `${source}${line ? `:${line}` : ''}: ${path || 'the file'}: ${issue.message}` };
      })
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const first = mistakes[0]!;
    throw badInput(mistakes.map((m) => m.text).join('\n'), {
      file: source,
      path: first.path,
      ...(first.line ? { line: first.line } : {}),
      mistakes: mistakes.map(({ path, line }) => ({ path, line })),
    });
  }
  checkReferences(result.data, source);
  return result.data;
}

function checkReferences(org: OrgFile, source: string): void {
  const mistakes: { path: string; text: string }[] = [];
  for (const [list, what] of [
    [org.teams, 'team'],
    [org.services, 'service'],
  ] as const) {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      const path = `${what}s.${i}.name`;
      if (seen.has(x.name)) mistakes.push({ path, text: `${source}: ${path}: ${what} "${x.name}" appears twice` });
      seen.add(x.name);
    });
  }
  if (mistakes.length)
    throw badInput(mistakes.map((m) => m.text).join('\n'), {
      file: source,
      path: mistakes[0]!.path,
      mistakes: mistakes.map((m) => m.path),
    });
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

// A missing field has no node of its own, so it points at the nearest enclosing one.
function lineOf(doc: ReturnType<typeof parseDocument>, text: string, path: (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number] } | undefined;
    if (node?.range) return lineAt(text, node.range[0]);
  }
  return undefined;
}
