/** API tokens as the CLI makes, lists and revokes them, locally (as `local-cli`) or through a server (as its token). */
import type { InferResponseType } from 'hono/client';
import type { tokensRoutes } from '../../http/tokens-routes.ts';
import { createToken, listTokens, revokeToken, tokenView } from '../../people/tokens.ts';
import type { Area } from './area.ts';
import { clientOf, okBody, type Remote } from './remote.ts';

const client = (remote: Remote) => clientOf<ReturnType<typeof tokensRoutes>>(remote).api.tokens;

/** A token as the API gives it (its OpenAPI schema), and a new one with its secret (shown once). */
export type Token = InferResponseType<ReturnType<typeof client>[':id']['revoke']['$post'], 200>;
export type NewToken = InferResponseType<ReturnType<typeof client>['$post']>;

export interface TokensApi {
  create(req: {
    name: string;
    role: string;
    person?: string | undefined;
    expires?: string | undefined;
  }): Promise<NewToken>;
  list(): Promise<Token[]>;
  revoke(id: number): Promise<Token>;
}

export const tokensApi: Area<TokensApi> = {
  local: (ctx) => {
    const db = ctx.database.db;
    return {
      async create(req) {
        const t = await createToken(db, { ...req, now: ctx.now() });
        return { ...(await tokenView(db, t.id, ctx.now())), token: t.token };
      },
      list: () => listTokens(db, ctx.now()),
      revoke: (id) => revokeToken(db, id, { actor: 'local-cli', now: ctx.now() }),
    };
  },
  remote: (remote) => {
    const api = client(remote);
    return {
      // The role goes as typed: the server names the roles when it is not one.
      create: async (json) => (await api.$post({ json })).json(),
      list: async () => (await (await api.$get()).json()).items,
      revoke: (id) => okBody(api[':id'].revoke.$post({ param: { id: String(id) } })),
    };
  },
};
