/** Filing Jira issues from the CLI, locally (as the data folder's administrator) or through a server. */
import type { InferResponseType } from 'hono/client';
import type { jiraRoutes } from '../../http/jira-routes.ts';
import { localAdmin } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf, type Remote } from './remote.ts';

const client = (remote: Remote) => clientOf<ReturnType<typeof jiraRoutes>>(remote).api;

/** A link and whether it was just filed, as the API gives it (its OpenAPI schema). */
export type Linked = InferResponseType<ReturnType<typeof client>['findings'][':id']['jira']['$post']>;

export interface JiraApi {
  linkFinding(id: number): Promise<Linked>;
  linkCommitment(id: number): Promise<Linked>;
}

// The Jira modules are loaded on use: the remote path never loads them.
export const jiraApi: Area<JiraApi> = {
  local: (ctx) => {
    const load = async () => ({
      deps: (await import('../../integrations/jira/jira-deps.ts')).jiraDepsOf(ctx),
      jira: await import('../../integrations/jira/jira-service.ts'),
    });
    return {
      async linkFinding(id) {
        const { deps, jira } = await load();
        return jira.linkFinding(deps, localAdmin, id);
      },
      async linkCommitment(id) {
        const { deps, jira } = await load();
        return jira.linkCommitment(deps, localAdmin, id);
      },
    };
  },
  remote: (remote) => {
    const api = client(remote);
    return {
      linkFinding: async (id) => (await api.findings[':id'].jira.$post({ param: { id: String(id) } })).json(),
      linkCommitment: async (id) => (await api.commitments[':id'].jira.$post({ param: { id: String(id) } })).json(),
    };
  },
};
