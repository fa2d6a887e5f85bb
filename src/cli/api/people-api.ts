/** People's web sign-in as the CLI sets it up, locally (as `local-cli`) or through a server (as its token). */
import type { InferResponseType } from 'hono/client';
import type { peopleRoutes } from '../../http/people-routes.ts';
import type { signInRoutes } from '../../http/sign-in-routes.ts';
import type { Context } from '../../context.ts';
import type { Area } from './area.ts';
import { clientOf, type Remote } from './remote.ts';

const people = (remote: Remote) => clientOf<ReturnType<typeof peopleRoutes>>(remote).api.people[':email'];
const invitations = (remote: Remote) => clientOf<ReturnType<typeof signInRoutes>>(remote).api.people[':email'];

/** The API's answers (their OpenAPI schemas). */
export type PasswordSet = InferResponseType<ReturnType<typeof people>['password']['$put']>;
export type Invitation = InferResponseType<ReturnType<typeof invitations>['invitation']['$post']>;

export interface PeopleApi {
  setPassword(email: string, password: string): Promise<PasswordSet>;
  invite(email: string, days: number | undefined): Promise<Invitation>;
}

// The modules are loaded on use: the remote path never loads them.
async function invite(ctx: Context, email: string, days: number | undefined): Promise<Invitation> {
  const { createInvitation, invitationPath } = await import('../../people/invitations.ts');
  const { loadConfig } = await import('../../config.ts');
  const config = loadConfig(process.env);
  const inv = await createInvitation(ctx.database.db, email, { actor: 'local-cli', now: ctx.now(), days });
  const base = config.publicUrl ?? `http://${config.host}:${config.port}`;
  return { email: inv.email, url: `${base}${invitationPath(inv.token)}`, expiresAt: inv.expiresAt.toISOString() };
}

export const peopleApi: Area<PeopleApi> = {
  local: (ctx) => ({
    setPassword: async (email, password) =>
      (await import('../../people/passwords.ts')).setPassword(ctx.database.db, email, password, {
        actor: 'local-cli',
        now: ctx.now(),
      }),
    invite: (email, days) => invite(ctx, email, days),
  }),
  remote: (remote) => {
    // Hono's client puts a path parameter in as it is: an address is encoded here, as the server decodes it.
    const param = (email: string) => ({ param: { email: encodeURIComponent(email) } });
    return {
      setPassword: async (email, password) =>
        (await people(remote).password.$put({ ...param(email), json: { password } })).json(),
      invite: async (email, days) =>
        (await invitations(remote).invitation.$post({ ...param(email), json: days ? { days } : {} })).json(),
    };
  },
};
