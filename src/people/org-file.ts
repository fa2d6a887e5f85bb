/** The organisation file users keep in git: teams and services, validated with clear paths. */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { badInput } from '../errors.ts';

const email = z.string().trim().toLowerCase().pipe(z.email());
// Hosts, repositories and compliance labels: free text on one line (a NUL could not even be stored).
const label = z.string().trim().min(1).max(1000).regex(/^[^\u0000-\u001f\u007f]*$/, 'use one line of text, without control characters');
const name = z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._ -]*$/, 'use letters, digits, dot, dash, underscore or space');

export const teamSchema = z.object({
  name,
  kind: z.enum(['engineering', 'it-operations', 'security']),
  lead: email.optional(),
  members: z.array(email).default([]),
}).strict();

export const serviceSchema = z.object({
  name,
  owner: name,
  criticality: z.number().int().min(1).max(4),
  exposure: z.enum(['internet', 'internal', 'isolated']),
  data: z.enum(['public', 'internal', 'confidential', 'restricted']).default('internal'),
  repositories: z.array(label).default([]),
  hosts: z.array(label).default([]),
  compliance: z.array(label).default([]),
}).strict();

export const orgSchema = z.object({
  teams: z.array(teamSchema).default([]),
  services: z.array(serviceSchema).default([]),
}).strict();

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
    throw badInput(`${source}: cannot be read: ${(e as Error).message}; write the values out instead of referring to them (&anchor / *alias) so many times`, { file: source });
  }
  const result = orgSchema.safeParse(value ?? {});
  if (!result.success) {
    // A misspelt key also makes the field it was meant to be "missing"; the misspelling is what to report.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0]!;
    const at = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])] as (string | number)[];
    const path = at.join('.');
    const line = lineOf(doc, text, at);
    throw badInput(`${source}${line ? `:${line}` : ''}: ${path || 'the file'}: ${issue.message}`, { file: source, path, ...(line ? { line } : {}) });
  }
  checkReferences(result.data, source);
  return result.data;
}

function checkReferences(org: OrgFile, source: string): void {
  const seen = new Set<string>();
  org.teams.forEach((t, i) => {
    if (seen.has(t.name)) throw badInput(`${source}: teams.${i}.name: team "${t.name}" appears twice`, { file: source, path: `teams.${i}.name` });
    seen.add(t.name);
  });
  const services = new Set<string>();
  org.services.forEach((s, i) => {
    if (services.has(s.name)) throw badInput(`${source}: services.${i}.name: service "${s.name}" appears twice`, { file: source, path: `services.${i}.name` });
    services.add(s.name);
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
