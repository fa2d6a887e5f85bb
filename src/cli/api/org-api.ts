/** The organisation file as the CLI applies it, locally (as `local-cli`) or through a server (as its token). */
import type { InferResponseType } from 'hono/client';
import type { orgRoutes } from '../../http/org-routes.ts';
import type { OrgFile } from '../../people/org-file.ts';
import { applyOrg } from '../../people/org-service.ts';
import { reprioritiseServiceWith } from '../../findings/reprioritise.ts';
import type { Area } from './area.ts';
import { clientOf, rawBody, type Remote } from './remote.ts';

const client = (remote: Remote) => clientOf<ReturnType<typeof orgRoutes>>(remote).api.org;

/** What an apply changed, as the API gives it (its OpenAPI schema). */
export type OrgApplied = InferResponseType<ReturnType<typeof client>['$post']>;

export interface OrgApi {
  /** Applies the file: `text` as written (the server parses it again), `org` as parsed here. */
  apply(text: string, org: OrgFile, prune: boolean): Promise<OrgApplied>;
}

export const orgApi: Area<OrgApi> = {
  local: (ctx) => ({
    apply: (_text, org, prune) =>
      applyOrg(ctx.database.db, org, {
        prune,
        actor: 'local-cli',
        now: ctx.now(),
        reprioritise: reprioritiseServiceWith(ctx.policy),
      }),
  }),
  remote: (remote) => ({
    apply: async (text, _org, prune) =>
      (
        await client(remote).$post({ query: { prune: prune ? 'true' : 'false' } }, rawBody(text, 'application/yaml'))
      ).json(),
  }),
};
