/**
 * Invitation links: an admin makes a one-time link for a person of the organisation file; whoever opens it sets that
 * person's password and is signed in. The token is 256 random bits, stored only as its SHA-256; a link ends when it is
 * used, when its days have passed, or when a newer link is made for the same person.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { checkPasswordRule, hashPassword, memberId, storePasswordHash } from './passwords.ts';

/** How long a link lasts unless the admin says otherwise, and the longest allowed (days). */
export const invitationDays = { default: 7, max: 30 } as const;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The path of an invitation's page in the web app (the public address goes in front). */
export const invitationPath = (token: string): string => `/invite/${token}`;

/** Makes a link for a person who is in a team of the organisation file; earlier unused links for them end. */
export async function createInvitation(
  db: Kysely<DB>,
  emailIn: string,
  opts: { actor: string; now: Date; days?: number },
): Promise<{ email: string; token: string; expiresAt: Date }> {
  const email = emailIn.trim().toLowerCase();
  if (!email) throw badInput('name the person: entente people invite EMAIL', { field: 'email' });
  const days = opts.days ?? invitationDays.default;
  if (!Number.isInteger(days) || days < 1 || days > invitationDays.max)
    throw badInput(`days: a whole number from 1 to ${invitationDays.max}; it is ${days}`, { field: 'days' });
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(opts.now.getTime() + days * 86_400_000);
  await db.transaction().execute(async (trx) => {
    const personId = await memberId(trx, email);
    if (personId === undefined) {
      throw badInput(
        `${email} is not a member of any team in the organisation file, so there is nothing to invite them to. `
          + `Add them to their team's members (teams: - name: TEAM, members: [${email}]), run \`entente org apply org.yaml\`, then invite them`,
        { field: 'email', email },
      );
    }
    // One live link per person: the newest is the one the admin just sent.
    await trx.deleteFrom('invitations').where('person_id', '=', personId).where('used_at', 'is', null).execute();
    const row = await trx
      .insertInto('invitations')
      .values({
        token_hash: sha256(token),
        person_id: personId,
        created_by: opts.actor,
        created_at: opts.now,
        expires_at: expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'person.invite',
      entity: 'person',
      entityId: personId,
      after: { email, invitation: row.id, expiresAt: expiresAt.toISOString() },
      at: opts.now,
    });
  });
  return { email, token, expiresAt };
}

/** Whom a link invites and until when; refuses an unknown, used or ended link with a sentence that says what to do. */
export async function invitationOf(
  db: Kysely<DB>,
  token: string,
  now: Date,
): Promise<{ id: number; personId: number; email: string; expiresAt: Date }> {
  const row = await db
    .selectFrom('invitations as i')
    .innerJoin('people as p', 'p.id', 'i.person_id')
    .select(['i.id', 'i.person_id', 'i.expires_at', 'i.used_at', 'p.email'])
    .where('i.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row)
    throw new EntenteError(
      'not_found',
      'we do not know this invitation link; it may have been replaced by a newer one. Ask an administrator to send you a new link',
    );
  if (row.used_at)
    throw new EntenteError(
      'conflict',
      'this invitation link has been used already; sign in with the password you set then, or ask an administrator for a new link',
      { used: true },
    );
  const expiresAt = new Date(row.expires_at);
  if (expiresAt <= now) {
    throw new EntenteError(
      'conflict',
      `this invitation link ended on ${expiresAt.toISOString().slice(0, 10)}; ask an administrator for a new link`,
      { expired: true },
    );
  }
  return { id: row.id, personId: row.person_id, email: row.email, expiresAt };
}

/** Uses a link: sets the person's password (ending their other sessions) and marks the link used, in one transaction. */
export async function acceptInvitation(
  db: Kysely<DB>,
  token: string,
  password: string,
  now: Date,
): Promise<{ personId: number; email: string }> {
  const inv = await invitationOf(db, token, now);
  checkPasswordRule(password);
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    // Two tabs submitting the same link: the first marks it used, the second finds it used and changes nothing.
    const claimed = await trx
      .updateTable('invitations')
      .set({ used_at: now })
      .where('id', '=', inv.id)
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!claimed)
      throw new EntenteError(
        'conflict',
        'this invitation link has been used already; sign in with the password you set then, or ask an administrator for a new link',
        { used: true },
      );
    if ((await memberId(trx, inv.email)) === undefined) {
      throw new EntenteError(
        'forbidden',
        `${inv.email} is in no team of the organisation file any more, so there is nothing to sign in to; ask an administrator to add you to your team's members`,
      );
    }
    await storePasswordHash(trx, inv.personId, hash, now);
    await recordAudit(trx, {
      actor: inv.email,
      action: 'person.invitation.accept',
      entity: 'person',
      entityId: inv.personId,
      after: { email: inv.email, invitation: inv.id },
      at: now,
    });
    return { personId: inv.personId, email: inv.email };
  });
}
