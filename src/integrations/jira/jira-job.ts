/** The polling fallback as a job: `entente serve` runs the Jira sync every five minutes when Jira is set up. */
import type { Context } from '../../context.ts';
import type { Job } from '../../jobs/runner.ts';
import { jiraDepsOf } from './jira-deps.ts';
import { syncJira } from './jira-service.ts';

/** The jobs Jira adds: none without ENTENTE_JIRA_*, else the sync (the webhook makes it fast; this makes it sure). */
export function jiraJobs(ctx: Context): Job[] {
  if (!ctx.jira) return [];
  return [{ name: 'jira-sync', everySeconds: 300, run: async () => syncJira(jiraDepsOf(ctx)) }];
}
