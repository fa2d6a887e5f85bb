/** The Jira sync's dependencies from a context, or a clear `unavailable` error when Jira is not set up. */
import type { Context } from '../../context.ts';
import { EntenteError } from '../../errors.ts';
import { policyCalendar } from '../../policy/calendar.ts';
import { jiraClient, type JiraClient } from './jira-client.ts';
import type { JiraDeps } from './jira-service.ts';
import { verifyCommitment } from '../../commitments/commitments-service.ts';
import type { Principal } from '../../people/tokens.ts';

// Jira's webhook and sync act for the owning team, which moved the issue to Done: verifying is a writer's act on any team's record.
const jiraPrincipal: Principal = { actor: 'entente:jira', role: 'security', personId: null, teamIds: [] };

/** The message when ENTENTE_JIRA_* are not set. */
const jiraNotSetUp =
  'Jira is not set up on this server: set ENTENTE_JIRA_URL, ENTENTE_JIRA_USER and ENTENTE_JIRA_TOKEN (see the README, "Channels: Slack, Teams, webhooks, Jira")';

/** Builds the sync's dependencies; `client` replaces the HTTP client (none in production). */
export function jiraDepsOf(ctx: Context, client?: JiraClient): JiraDeps {
  if (!ctx.jira) throw new EntenteError('unavailable', jiraNotSetUp);
  return {
    db: ctx.database.db,
    now: ctx.now,
    calendar: policyCalendar(ctx.policy),
    client: client ?? jiraClient(ctx.jira),
    jiraUrl: ctx.jira.url,
    publicUrl: ctx.publicUrl,
    // How a commitment is recorded as kept: the commitments service's verify, joining the sync's transaction.
    keepCommitment: async (trx, id, evidence) => {
      await verifyCommitment({ db: trx, now: ctx.now, policy: ctx.policy }, jiraPrincipal, id, evidence);
    },
  };
}
