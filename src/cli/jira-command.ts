/** `entente jira link FINDING` and `entente jira sync`: ticket sync with Jira Cloud from the command line. */
import { defineCommand } from 'citty';
import type { JiraLinkView } from '../integrations/jira/jira-service.ts';
import { localAdmin } from '../people/tokens.ts';
import { callServer, idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';

export const link = defineCommand({
  args: A['jira link'],
  async run({ args }) {
    const id = idArg(args.finding, 'a finding', 'entente findings');
    const r = args.server
      ? (await callServer(args.server, args.token, `api/findings/${id}/jira`, { method: 'POST' })) as { created: boolean; link: JiraLinkView }
      : await withLocalContext(async (ctx) => {
        const { jiraDepsOf } = await import('../integrations/jira/jira-deps.ts');
        const { linkFinding } = await import('../integrations/jira/jira-service.ts');
        return linkFinding(jiraDepsOf(ctx), localAdmin, id);
      });
    if (args.json) return out(JSON.stringify(r));
    out(r.created
      ? `Filed ${r.link.issueKey} for finding #${id} in ${r.link.project}: ${r.link.issueUrl}`
      : `Finding #${id} already has ${r.link.issueKey} (${r.link.status}): ${r.link.issueUrl}`);
  },
});

export const linkCommitmentCommand = defineCommand({
  args: A['jira link-commitment'],
  async run({ args }) {
    const id = idArg(args.commitment, 'a commitment', 'entente commitments');
    const r = args.server
      ? (await callServer(args.server, args.token, `api/commitments/${id}/jira`, { method: 'POST' })) as { created: boolean; link: JiraLinkView }
      : await withLocalContext(async (ctx) => {
        const { jiraDepsOf } = await import('../integrations/jira/jira-deps.ts');
        const { linkCommitment } = await import('../integrations/jira/jira-service.ts');
        return linkCommitment(jiraDepsOf(ctx), localAdmin, id);
      });
    if (args.json) return out(JSON.stringify(r));
    out(r.created
      ? `Filed ${r.link.issueKey} for commitment #${id} in ${r.link.project}: ${r.link.issueUrl}`
      : `Commitment #${id} already has ${r.link.issueKey} (${r.link.status}): ${r.link.issueUrl}`);
  },
});

export const sync = defineCommand({
  args: A['jira sync'],
  async run({ args }) {
    const r = await withLocalContext(async (ctx) => {
      const { jiraDepsOf } = await import('../integrations/jira/jira-deps.ts');
      const { syncJira } = await import('../integrations/jira/jira-service.ts');
      return syncJira(jiraDepsOf(ctx));
    });
    if (args.json) return out(JSON.stringify(r));
    out(`Jira sync: ${r.transitioned.length} moved to Done after a scan confirmed the fix, ${r.noted.length} findings noted as fixed in Jira (the next scan confirms), ${r.updated.length} other status changes.`);
    for (const f of r.failed) out(`  ${f.issue}: ${f.error}`);
    if (r.failed.length) process.exitCode = 1;
  },
});
