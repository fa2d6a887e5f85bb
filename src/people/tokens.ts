/**
 * API tokens: created once and shown once, stored as a SHA-256 hash, each with a role, optionally a person, and an end
 * date; listed without their secret, revoked with effect on the next request, and marked as used at most once a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Role } from './vocabulary.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { expiryOf } from './token-expiry.ts';

export { requireRole, writers } from './access.ts';

export const roles: readonly Role[] = ['admin', 'security', 'engineer', 'manager', 'auditor'];

/** Who is calling: the token's role, and for a person's token the teams they belong to. */
export interface Principal {
  actor: string; // what the audit log records
  role: Role;
  personId: number | null;
  teamIds: number[];
}

/** The principal the local CLI acts as: whoever can open the data folder is its administrator. */
export const localAdmin: Principal = { actor: 'local-cli', role: 'admin', personId: null, teamIds: [] };

/** What a token list shows: never the token or its hash. */
export interface TokenView {
  id: number;
  name: string;
  role: Role;
  person: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

export interface TokenRequest {
  name: string;
  role: string;
  person?: string | undefined;
  /** "90d", a date ("2027-03-31", valid through that day, UTC), an ISO time, "never", or a Date; default 90 days. */
  expires?: string | Date | null | undefined;
  actor?: string;
  now?: Date;
  /** Only if no token exists yet (createFirstToken). */
  first?: boolean;
}

/** The hash a token is stored and looked up by. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

// How often a token's last use is written: a list needs "used today", not every request's time, and a write per
// request would double the database work of every read.
const lastUsedGranularityMs = 60_000;

/** Creates a token and returns its plain text (never stored) with its end date. Engineer tokens need a person in a team. */
export async function createToken(
  db: Kysely<DB>,
  opts: TokenRequest,
): Promise<{ id: number; token: string; expiresAt: Date | null }> {
  if (!roles.includes(opts.role as Role))
    throw badInput(`unknown role "${opts.role}"; roles: ${roles.join(', ')}`, { field: 'role', role: opts.role });
  const name = opts.name.trim();
  if (!name) throw badInput('a token needs a name (who or what uses it)', { field: 'name' });
  if (name.length > 100 || /[\u0000-\u001f\u007f]/.test(name))
    throw badInput('name: one line of at most 100 characters', { field: 'name' });
  const now = opts.now ?? new Date();
  const expiresAt = opts.expires instanceof Date || opts.expires === null ? opts.expires : expiryOf(opts.expires, now);
  const email = opts.person?.trim().toLowerCase() || undefined;
  const token = `ent_${randomBytes(24).toString('base64url')}`;
  const row = await db.transaction().execute(async (trx) => {
    if (opts.first) {
      // Several servers starting together on one empty database: one makes it, the others see it made.
      await sql`select pg_advisory_xact_lock(${firstTokenLock})`.execute(trx);
      if (!(await hasNoTokens(trx))) return undefined;
    }
    if (opts.role === 'engineer') await checkEngineer(trx, email);
    let personId: number | null = null;
    if (email) {
      const person = await trx
        .insertInto('people')
        .values({ email })
        .onConflict((oc) => oc.column('email').doUpdateSet({ email }))
        .returning('id')
        .executeTakeFirstOrThrow();
      personId = person.id;
    }
    const created = await trx
      .insertInto('api_tokens')
      .values({
        name,
        role: opts.role as Role,
        person_id: personId,
        token_hash: tokenHash(token),
        created_at: now,
        expires_at: expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The audit records who the token is for, never the token or its hash.
    await recordAudit(trx, {
      actor: opts.actor ?? 'local-cli',
      action: 'token.create',
      entity: 'token',
      entityId: created.id,
      after: { name, role: opts.role, person: email ?? null, expiresAt: expiresAt?.toISOString() ?? null },
      at: now,
    });
    return created;
  });
  if (!row) throw new EntenteError('conflict', 'a token exists already: this is not a first start');
  return { id: row.id, token, expiresAt };
}

const firstTokenLock = 7_314_002; // advisory lock id: the first start's admin token is made once

/** A fresh installation's first admin token, made once even when several servers start at the same moment on one
 * database; undefined when any token exists. */
export async function createFirstToken(
  db: Kysely<DB>,
  opts: Omit<TokenRequest, 'first'>,
): Promise<{ id: number; token: string; expiresAt: Date | null } | undefined> {
  if (!(await hasNoTokens(db))) return undefined;
  try {
    return await createToken(db, { ...opts, first: true });
  } catch (e) {
    if (e instanceof EntenteError && e.code === 'conflict' && /not a first start/.test(e.message)) return undefined;
    throw e;
  }
}

// Engineers act for their teams, so a token for someone in no team would reach nothing; say how to add them instead.
// Admin, Security, manager and auditor tokens reach every team's records, so teams do not apply to them.
async function checkEngineer(trx: Kysely<DB>, email: string | undefined): Promise<void> {
  if (!email) {
    throw badInput(
      'an engineer token acts for a person and their teams: name the person (--person EMAIL, or "person" in the API)',
      { field: 'person' },
    );
  }
  const member = await trx
    .selectFrom('team_members as m')
    .innerJoin('people as p', 'p.id', 'm.person_id')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select('t.id')
    .where('p.email', '=', email)
    .where('t.archived_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  if (member) return;
  throw badInput(
    `${email} is in no team yet, so an engineer token would reach nothing. Add them to their team's members in the organisation file `
      + `(teams: - name: TEAM, members: [${email}]), run \`entente org apply org.yaml\`, then create the token`,
    { field: 'person', person: email },
  );
}

/** True when no token exists yet (a fresh installation). */
async function hasNoTokens(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('api_tokens').select('id').limit(1).execute()).length === 0;
}

/** Every token, newest first, as a list shows it. */
export async function listTokens(db: Kysely<DB>, now: Date = new Date()): Promise<TokenView[]> {
  const rows = await tokenRows(db).orderBy('t.id', 'desc').execute();
  return rows.map((r) => viewOf(r, now));
}

/** Ends a token now: its next request is refused. */
export async function revokeToken(db: Kysely<DB>, id: number, opts: { actor: string; now?: Date }): Promise<TokenView> {
  const now = opts.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('api_tokens')
      .select(['id', 'name', 'revoked_at'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row)
      throw new EntenteError('not_found', `token ${id} does not exist; \`entente token list\` shows the tokens`, {
        id,
      });
    if (row.revoked_at)
      throw new EntenteError(
        'conflict',
        `token ${id} (${row.name}) was revoked on ${new Date(row.revoked_at).toISOString().slice(0, 10)} already`,
        { id },
      );
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'token.revoke',
      entity: 'token',
      entityId: id,
      before: { revokedAt: null },
      after: { name: row.name, revokedAt: now.toISOString() },
      at: now,
    });
  });
  return tokenView(db, id, now);
}

/** One token as a list shows it, or not_found. */
export async function tokenView(db: Kysely<DB>, id: number, now: Date = new Date()): Promise<TokenView> {
  const row = await tokenRows(db).where('t.id', '=', id).executeTakeFirst();
  if (!row)
    throw new EntenteError('not_found', `token ${id} does not exist; \`entente token list\` shows the tokens`, { id });
  return viewOf(row, now);
}

function tokenRows(db: Kysely<DB>) {
  return db
    .selectFrom('api_tokens as t')
    .leftJoin('people as p', 'p.id', 't.person_id')
    .select(['t.id', 't.name', 't.role', 'p.email', 't.created_at', 't.expires_at', 't.last_used_at', 't.revoked_at']);
}

type TokenRow = Awaited<ReturnType<ReturnType<typeof tokenRows>['executeTakeFirstOrThrow']>>;

function viewOf(r: TokenRow, now: Date): TokenView {
  const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
  const expired = r.expires_at !== null && new Date(r.expires_at) <= now;
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    person: r.email,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    state: r.revoked_at ? 'revoked' : expired ? 'expired' : 'active',
  };
}

/** The principal behind a bearer token, or an `unauthorized` error; notes the token's use at most once a minute. */
export async function authenticate(
  db: Kysely<DB>,
  token: string | undefined,
  now: Date = new Date(),
): Promise<Principal> {
  if (!token)
    throw new EntenteError(
      'unauthorized',
      'this API needs a token: send "Authorization: Bearer <token>" (an admin creates one with `entente token create`)',
    );
  const row = await db
    .selectFrom('api_tokens')
    .leftJoin('people', 'people.id', 'api_tokens.person_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.role',
      'api_tokens.person_id',
      'api_tokens.revoked_at',
      'api_tokens.expires_at',
      'api_tokens.last_used_at',
      'people.email',
    ])
    .where('token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) throw new EntenteError('unauthorized', 'the token is unknown or revoked');
  if (row.expires_at !== null && new Date(row.expires_at) <= now) {
    throw new EntenteError(
      'unauthorized',
      `the token "${row.name}" expired on ${new Date(row.expires_at).toISOString().slice(0, 10)}; ask an admin for a new one`,
    );
  }
  if (row.last_used_at === null || now.getTime() - new Date(row.last_used_at).getTime() >= lastUsedGranularityMs) {
    // Conditional, so several servers sharing a database still write it once a minute, not once each.
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<=', new Date(now.getTime() - lastUsedGranularityMs)),
        ]),
      )
      .execute();
  }
  const teams =
    row.person_id === null
      ? []
      : await db
          .selectFrom('team_members as m')
          .innerJoin('teams as t', 't.id', 'm.team_id')
          .select('m.team_id')
          .where('m.person_id', '=', row.person_id)
          .where('t.archived_at', 'is', null)
          .execute();
  return {
    actor: row.email ?? `token:${row.name}`,
    role: row.role,
    personId: row.person_id,
    teamIds: teams.map((t) => t.team_id),
  };
}
