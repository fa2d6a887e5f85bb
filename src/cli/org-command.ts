/** `entente org apply FILE`: make the organisation match the YAML file (services missing from it are reported). */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { parseOrgFile } from '../people/org-file.ts';
import { applyOrg, type OrgApplySummary } from '../people/org-service.ts';
import { badInput } from '../errors.ts';
import { callServer, out, remoteArgs, withLocalContext, routed } from './shared.ts';

const apply = defineCommand({
  meta: { name: 'apply', description: 'Apply an organisation file (teams and services)' },
  args: {
    file: { type: 'positional', required: true, description: 'the org.yaml file' },
    prune: { type: 'boolean', description: 'archive services that are no longer in the file' },
    json: { type: 'boolean', description: 'print the summary as JSON' },
    ...remoteArgs,
  },
  async run({ args }) {
    const text = await readFile(args.file, 'utf8').catch((e: Error) => { throw badInput(`cannot read ${args.file}: ${e.message}`); });
    const org = parseOrgFile(text, args.file);
    const summary = args.server
      ? (await callServer(args.server, args.token, `api/org?prune=${args.prune ? 'true' : 'false'}`, { method: 'POST', body: text, headers: { 'content-type': 'application/yaml' } })) as OrgApplySummary
      : await withLocalContext((ctx) => applyOrg(ctx.database.db, org, { prune: Boolean(args.prune), actor: 'local-cli', now: ctx.now(), policy: ctx.policy }));
    out(args.json ? JSON.stringify(summary) : describe(summary));
  },
});

function describe(s: OrgApplySummary): string {
  const part = (label: string, names: string[]): string => (names.length ? `${label} ${names.length} (${names.join(', ')})` : `${label} 0`);
  const lines = [
    `teams: ${[part('created', s.teams.created), part('updated', s.teams.updated), `unchanged ${s.teams.unchanged.length}`].join(', ')}`,
    `services: ${[part('created', s.services.created), part('updated', s.services.updated), `unchanged ${s.services.unchanged.length}`, part('archived', s.services.archived)].join(', ')}`,
  ];
  if (s.services.missing.length) {
    lines.push(`${s.services.missing.length} service(s) are known to Entente but not in the file: ${s.services.missing.join(', ')}. They stay as they are; run with --prune to archive them.`);
  }
  return lines.join('\n');
}

export default routed(defineCommand({
  meta: { name: 'org', description: 'The organisation: teams and services' },
  subCommands: { apply },
}));
