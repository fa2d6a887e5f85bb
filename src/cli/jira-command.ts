/** `entente jira link FINDING` and `entente jira sync`: ticket sync with Jira Cloud from the command line. */
import { defineCommand } from 'citty';
import { idArg, out, withLocalContext } from './shared.ts';
import { args as A } from './commands.ts';
import { withApi } from './api/area.ts';
import { jiraApi } from './api/jira-api.ts';

export const link = defineCommand({
  args: A['jira link'],
  async run({ args }) {
    const id = idArg(args.finding, 'a finding', 'entente findings');
    const r = await withApi(args, jiraApi, (api) => api.linkFinding(id));
    if (args.json) return out(JSON.stringify(r));
    out(
      r.created
        ? `Filed ${r.link.issueKey} for finding #${id} in ${r.link.project}: ${r.link.issueUrl}`
        : `Finding #${id} already has ${r.link.issueKey} (${r.link.status}): ${r.link.issueUrl}`,
    );
  },
});

export const linkCommitmentCommand = defineCommand({
  args: A['jira link-commitment'],
  async run({ args }) {
    const id = idArg(args.commitment, 'a commitment', 'entente commitments');
    const r = await withApi(args, jiraApi, (api) => api.linkCommitment(id));
    if (args.json) return out(JSON.stringify(r));
    out(
      r.created
        ? `Filed ${r.link.issueKey} for commitment #${id} in ${r.link.project}: ${r.link.issueUrl}`
        : `Commitment #${id} already has ${r.link.issueKey} (${r.link.status}): ${r.link.issueUrl}`,
    );
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
    out(
      `Jira sync: ${r.transitioned.length} moved to Done after a scan confirmed the fix, ${r.noted.length} findings noted as fixed in Jira (the next scan confirms), ${r.updated.length} other status changes.`,
    );
    for (const f of r.failed) out(`  ${f.issue}: ${f.error}`);
    if (r.failed.length) process.exitCode = 1;
  },
});
