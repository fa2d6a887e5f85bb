/** `entente serve`: run the API (and the web app) on the configured database; on a fresh installation, print a one-time admin token. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand } from 'citty';
import { serve as listen } from '@hono/node-server';
import type { Kysely } from 'kysely';
import { loadConfig } from '../config.ts';
import { openContext } from '../context.ts';
import { createApp } from '../http/app.ts';
import { createFirstToken, createToken, revokeToken, tokenHash } from '../people/tokens.ts';
import type { DB } from '../db/schema.ts';
import { out } from './shared.ts';
import { EntenteError } from '../errors.ts';
import { args } from './commands.ts';
import { localAdminTokenFile, removeServerRecord, writePrivateFile, writeServerRecord } from './local-server.ts';
import { startJobRunner } from '../jobs/runner.ts';
import { defaultJobs } from '../jobs/jobs.ts';
import { jiraJobs } from '../integrations/jira/jira-job.ts';
import { webAppBuilt, webAppDir } from '../http/web-app.ts';
import { channelsOf, deliveryJob, digestJob } from '../notifications/delivery-job.ts';
import { coalesced, deliverDue } from '../notifications/delivery.ts';
import { notificationMessages } from '../voice/messages/notifications.ts';

export const serve = defineCommand({
  args: args.serve,
  async run({ args }) {
    const config = loadConfig({
      ...process.env,
      ...(args.port ? { PORT: args.port } : {}),
      ...(args.host ? { HOST: args.host } : {}),
    });
    const ctx = await openContext(config);
    const embedded = ctx.database.engine === 'pglite';
    const web = webAppDir();
    // Notifications: the delivery job runs every few seconds, and an import nudges it so its e-mails leave at once.
    const channels = channelsOf(config, ctx.database.db);
    const delivery = {
      db: ctx.database.db,
      now: ctx.now,
      channels,
      claimSeconds: config.notifyClaimSeconds,
      publicUrl: config.publicUrl,
      timeZone: ctx.policy.time_zone,
    };
    ctx.nudgeNotifications = coalesced(
      () => deliverDue(delivery),
      (e) => process.stderr.write(`entente: notifications will be tried again: ${e.message}\n`),
    );
    const sso = config.oidc ? (await import('../people/sso.ts')).createSso(config.oidc) : undefined;
    const app = createApp(ctx, {
      limits: config.limits,
      web,
      sso,
      publicUrl: config.publicUrl,
      trustedProxies: config.trustedProxies,
    });
    // Listen first: a port in use is one clear line (exit 3), before a first admin token is made and shown for nothing.
    let server: ReturnType<typeof listen>;
    let port: number;
    try {
      [server, port] = await new Promise<[ReturnType<typeof listen>, number]>((resolve, reject) => {
        const s = listen({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
          resolve([s, info.port]),
        );
        s.once('error', reject);
      });
    } catch (e) {
      await ctx.database.close();
      // A port in use (or not ours to take) is an environment problem: one line, exit 3.
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use (another `entente serve`?); PORT or --port chooses another'
          : err.code === 'EACCES'
            ? 'this user may not listen there; choose a port above 1023'
            : err.message;
      throw new EntenteError('unavailable', `cannot listen on ${config.host}:${config.port}: ${why}`);
    }
    out(
      `Data folder: ${config.dataDir}${embedded ? ' (embedded database)' : ' (audit key and checkpoints; the database is PostgreSQL)'}`,
    );
    // Made once even when several servers start together on one new database.
    const first = await createFirstToken(ctx.database.db, {
      name: 'first admin',
      role: 'admin',
      actor: 'entente:first-start',
      now: ctx.now(),
    });
    if (first) {
      const { token, expiresAt } = first;
      out(
        `First start: an admin token was created. It is shown only this once; keep it safe (it ends on ${expiresAt?.toISOString().slice(0, 10)}):\n  ${token}`,
      );
      out(
        'Make each person a token of their own with it: entente token create --role ROLE --name NAME --person EMAIL --server URL --token TOKEN',
      );
    }
    // The embedded database is this process's alone: local commands on the same folder come through the API with this token.
    if (embedded) {
      await keepLocalAdminToken(ctx.database.db, config.dataDir, ctx.now());
      writeServerRecord(config.dataDir, {
        url: localUrl(config.host, port),
        pid: process.pid,
        startedAt: ctx.now().toISOString(),
      });
    }
    // Lease expiry, reminders and sweeps run here; several servers on one PostgreSQL database each claim a job once per period.
    const jobs = startJobRunner(
      { db: ctx.database.db, policy: ctx.policy, now: ctx.now },
      [
        ...defaultJobs,
        deliveryJob(channels, config.notifyClaimSeconds, 5, config.publicUrl),
        digestJob(config.publicUrl),
        ...jiraJobs(ctx),
      ],
      {
        tickMs: 5_000,
        onRun: (runs) =>
          runs
            .filter((r) => !r.ok)
            .forEach((r) => process.stderr.write(`entente: job ${r.name} will be tried again: ${r.error}\n`)),
      },
    );
    out(
      `Entente is listening on http://${config.host}:${port} (${embedded ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`,
    );
    if (!channels.has('email')) out(notificationMessages.noSmtp.render({}));
    out(`API description: http://${config.host}:${port}/api/openapi.json`);
    out(
      webAppBuilt(web)
        ? `Web app: http://${config.host}:${port}/ (people sign in ${sso ? `with ${sso.name} or ` : ''}with a password: entente people invite EMAIL)`
        : `The web app is not built (no ${web}), so / answers a page saying so; \`npm run build\` builds it`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        if (embedded) removeServerRecord(config.dataDir);
        server.close(
          () =>
            void jobs
              .stop()
              .then(() => ctx.database.close())
              .then(resolve),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
});

// Where a local command reaches this server: a wildcard address is reached on the loopback.
function localUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

const localAdminName = 'local admin';

/** Keeps a valid local admin token (no end date) in the data folder, 0600; a missing, unknown or revoked one is
 * replaced, and local admin tokens no file holds any more are revoked. */
async function keepLocalAdminToken(db: Kysely<DB>, dataDir: string, now: Date): Promise<void> {
  const path = join(dataDir, localAdminTokenFile);
  const kept = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (kept) {
    const row = await db
      .selectFrom('api_tokens')
      .select('id')
      .where('token_hash', '=', tokenHash(kept))
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    if (row) return;
  }
  const stale = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('name', '=', localAdminName)
    .where('revoked_at', 'is', null)
    .execute();
  for (const t of stale) await revokeToken(db, t.id, { actor: 'entente:serve', now });
  const { token } = await createToken(db, {
    name: localAdminName,
    role: 'admin',
    expires: null,
    actor: 'entente:serve',
    now,
  });
  writePrivateFile(path, `${token}\n`);
}
