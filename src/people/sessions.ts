/**
 * Web sign-in sessions: a random id in an HttpOnly cookie, stored only as its SHA-256; each ends after 12 hours
 * without use or 7 days after sign-in, and at sign-out. A session acts as its person, with the role and teams the
 * organisation file gives them now (read on every request, like a token's teams).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { EntenteError } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { roleOfTeams } from './access.ts';
import { spendVerifyTime, verifyPassword } from './passwords.ts';
import type { Principal } from './tokens.ts';

/** How long a session lasts: idle (since its last request) and at most (since sign-in). */
export const sessionLimits = { idleMs: 12 * 3_600_000, maxMs: 7 * 86_400_000 } as const;

// The last use is written at most once a minute, as for tokens: the idle end needs minutes, not every request.
const lastSeenGranularityMs = 60_000;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The CSRF token of a session: derived from its id, so nothing more is stored and only its holder can know it. */
export const csrfTokenOf = (sessionId: string): string =>
  createHash('sha256').update(`entente-csrf\0${sessionId}`).digest('base64url');

/** Who a session is: the principal, and what GET /api/session shows. */
export interface SessionWho {
  principal: Principal;
  email: string;
  teams: string[];
}

/** Checks e-mail and password; on success opens a session and returns its id (for the cookie only) and who it is. */
export async function signIn(
  db: Kysely<DB>,
  emailIn: string,
  password: string,
  now: Date,
): Promise<{ id: string; expiresAt: Date; who: SessionWho }> {
  const email = emailIn.trim().toLowerCase();
  const row = await db
    .selectFrom('people as p')
    .innerJoin('person_passwords as pw', 'pw.person_id', 'p.id')
    .select(['p.id', 'pw.hash'])
    .where('p.email', '=', email)
    .executeTakeFirst();
  const ok = row ? await verifyPassword(password, row.hash) : await spendVerifyTime(password).then(() => false);
  if (!row || !ok)
    throw new EntenteError(
      'unauthorized',
      'the e-mail address or the password is not right; check both and try again (an administrator sets passwords with `entente people password EMAIL`)',
    );
  return openSession(db, row.id, email, now, 'password');
}

/** How a person proved who they are when a session opened (recorded in the audit log). */
export type SignInMethod = 'password' | 'invitation' | 'sso';

/** Opens a session for a person already identified (a password, an invitation or the SSO provider); refuses one in no team. */
export async function openSession(
  db: Kysely<DB>,
  personId: number,
  email: string,
  now: Date,
  method: SignInMethod,
): Promise<{ id: string; expiresAt: Date; who: SessionWho }> {
  const who = await whoIs(db, personId, email, now);
  if (who.teams.length === 0) {
    throw new EntenteError(
      'forbidden',
      `${email} is in no team of the organisation file any more, so there is nothing to sign in to; ask an administrator to add you to your team's members`,
    );
  }
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + sessionLimits.maxMs);
  await db.transaction().execute(async (trx) => {
    // Ended sessions go when someone signs in: the table holds only live ones and a few hours of stale ones.
    await trx
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', new Date(now.getTime() - sessionLimits.idleMs))]),
      )
      .execute();
    const s = await trx
      .insertInto('sessions')
      .values({ id_hash: sha256(id), person_id: personId, created_at: now, last_seen_at: now, expires_at: expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: email,
      action: 'session.create',
      entity: 'session',
      entityId: s.id,
      after: { email, method, expiresAt: expiresAt.toISOString() },
      at: now,
    });
  });
  return { id, expiresAt, who };
}

/** The person a session id acts as, or `unauthorized` (unknown, signed out, idle too long or past its end). */
export async function sessionWho(db: Kysely<DB>, id: string, now: Date): Promise<SessionWho> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('people as p', 'p.id', 's.person_id')
    .select(['s.id', 's.person_id', 's.last_seen_at', 's.expires_at', 'p.email'])
    .where('s.id_hash', '=', sha256(id))
    .executeTakeFirst();
  const ended =
    !row
    || new Date(row.expires_at) <= now
    || now.getTime() - new Date(row.last_seen_at).getTime() >= sessionLimits.idleMs;
  if (ended)
    throw new EntenteError('unauthorized', 'you are signed out (the session ended or is unknown); sign in again');
  if (now.getTime() - new Date(row.last_seen_at).getTime() >= lastSeenGranularityMs) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id', '=', row.id)
      .where('last_seen_at', '<=', new Date(now.getTime() - lastSeenGranularityMs))
      .execute();
  }
  return whoIs(db, row.person_id, row.email, now);
}

/** Ends a session (sign-out); an unknown id ends nothing. */
export async function endSession(db: Kysely<DB>, id: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('sessions')
      .where('id_hash', '=', sha256(id))
      .returning(['id', 'person_id'])
      .executeTakeFirst();
    if (!gone) return false;
    const person = await trx.selectFrom('people').select('email').where('id', '=', gone.person_id).executeTakeFirst();
    await recordAudit(trx, {
      actor: person?.email ?? `person:${gone.person_id}`,
      action: 'session.end',
      entity: 'session',
      entityId: gone.id,
      at: now,
    });
    return true;
  });
}

// The person's current teams and the role they give; a person an admin gave a live admin token of their own is an admin
// in the web app too (they can do everything with that token already; revoking it ends this at the next request).
async function whoIs(db: Kysely<DB>, personId: number, email: string, now: Date): Promise<SessionWho> {
  const teams = await db
    .selectFrom('team_members as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['t.id', 't.name', 't.kind'])
    .where('m.person_id', '=', personId)
    .where('t.archived_at', 'is', null)
    .orderBy('t.name')
    .execute();
  const admin = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('person_id', '=', personId)
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .limit(1)
    .executeTakeFirst();
  return {
    principal: {
      actor: email,
      role: admin ? 'admin' : roleOfTeams(teams.map((t) => t.kind)),
      personId,
      teamIds: teams.map((t) => t.id),
    },
    email,
    teams: teams.map((t) => t.name),
  };
}
