/** `entente serve`: run the API (and the web app) on the configured database; on a fresh installation, print a one-time admin token. */
import { defineCommand } from 'citty';
import { serve as listen } from '@hono/node-server';
import { loadConfig } from '../config.ts';
import { openContext } from '../context.ts';
import { createApp } from '../http/app.ts';
import { createToken, hasNoTokens } from '../people/tokens.ts';
import { out } from './shared.ts';
import { args } from './commands.ts';
import { startJobRunner } from '../jobs/runner.ts';
import { defaultJobs } from '../jobs/jobs.ts';
import { webAppBuilt, webAppDir } from '../http/web-app.ts';

export const serve = defineCommand({
  args: args.serve,
  async run({ args }) {
    const config = loadConfig({ ...process.env, ...(args.port ? { PORT: args.port } : {}), ...(args.host ? { HOST: args.host } : {}) });
    const ctx = await openContext(config);
    const web = webAppDir();
    const app = createApp(ctx, { limits: config.limits, web });
    // Listen first: a port in use is one clear line (exit 3), before a first admin token is made and shown for nothing.
    let server: ReturnType<typeof listen>;
    let port: number;
    try {
      [server, port] = await new Promise<[ReturnType<typeof listen>, number]>((resolve, reject) => {
        const s = listen({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => resolve([s, info.port]));
        s.once('error', reject);
      });
    } catch (e) {
      await ctx.database.close();
      throw e;
    }
    if (await hasNoTokens(ctx.database.db)) {
      const { token, expiresAt } = await createToken(ctx.database.db, { name: 'first admin', role: 'admin', actor: 'entente:first-start', now: ctx.now() });
      out(`First start: an admin token was created. It is shown only this once; keep it safe (it ends on ${expiresAt?.toISOString().slice(0, 10)}):\n  ${token}`);
      out('Make each person a token of their own with it: entente token create --role ROLE --name NAME --person EMAIL --server URL --token TOKEN');
    }
    // Lease expiry, reminders and sweeps run here; several servers on one PostgreSQL database each claim a job once per period.
    const jobs = startJobRunner({ db: ctx.database.db, policy: ctx.policy, now: ctx.now }, defaultJobs, {
      onRun: (runs) => runs.filter((r) => !r.ok).forEach((r) => process.stderr.write(`entente: job ${r.name} will be tried again: ${r.error}\n`)),
    });
    out(`Entente is listening on http://${config.host}:${port} (${ctx.database.engine === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`);
    out(`API description: http://${config.host}:${port}/api/openapi.json`);
    out(webAppBuilt(web) ? `Web app: http://${config.host}:${port}/ (people sign in with a password: entente people password EMAIL)`
      : `The web app is not built (no ${web}), so / answers a page saying so; \`npm run build\` builds it`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        server.close(() => void jobs.stop().then(() => ctx.database.close()).then(resolve));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
});
