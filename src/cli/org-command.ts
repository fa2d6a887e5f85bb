/** `entente org apply FILE`: make the organisation match the YAML file (services missing from it are reported). */
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { parseOrgFile } from '../people/org-file.ts';
import { badInput } from '../errors.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';
import { withApi } from './api/area.ts';
import { orgApi, type OrgApplied } from './api/org-api.ts';

export const apply = defineCommand({
  args: args['org apply'],
  async run({ args }) {
    const text = await readFile(args.file, 'utf8').catch((e: Error) => {
      throw badInput(`cannot read ${args.file}: ${e.message}`);
    });
    const org = parseOrgFile(text, args.file);
    const summary = await withApi(args, orgApi, (api) => api.apply(text, org, Boolean(args.prune)));
    out(args.json ? JSON.stringify(summary) : describe(summary));
  },
});

function describe(s: OrgApplied): string {
  const part = (label: string, names: string[]): string =>
    names.length ? `${label} ${names.length} (${names.join(', ')})` : `${label} 0`;
  const lines = [
    `teams: ${[part('created', s.teams.created), part('updated', s.teams.updated), `unchanged ${s.teams.unchanged.length}`].join(', ')}`,
    `services: ${[part('created', s.services.created), part('updated', s.services.updated), `unchanged ${s.services.unchanged.length}`, part('archived', s.services.archived)].join(', ')}`,
  ];
  if (s.services.missing.length) {
    lines.push(
      `${s.services.missing.length} service(s) are known to Entente but not in the file: ${s.services.missing.join(', ')}. They stay as they are; run with --prune to archive them.`,
    );
  }
  return lines.join('\n');
}
