/**
 * One interface per area of the API the CLI uses, with two implementations: local (the services over the local data
 * folder or DATABASE_URL, acting as its administrator) and remote (a running server's API). A command is written once,
 * against the interface; `withApi` picks the implementation, as `--server` (given or routed, see shared.ts) says.
 */
import type { Context } from '../../context.ts';
import { withLocalContext } from '../shared.ts';
import type { Remote } from './remote.ts';

/** How to make an area's interface over the local context or over a server. */
export interface Area<Api> {
  local(ctx: Context): Api;
  remote(remote: Remote): Api;
}

/** Runs `fn` with the area's interface: remote when --server is set, else over the local context (closed afterwards). */
export async function withApi<Api, T>(
  args: { server?: string | undefined; token?: string | undefined },
  area: Area<Api>,
  fn: (api: Api) => Promise<T>,
): Promise<T> {
  if (args.server) return fn(area.remote({ server: args.server, token: args.token }));
  return withLocalContext((ctx) => fn(area.local(ctx)));
}
