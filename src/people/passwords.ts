/**
 * People's passwords for the web app: an scrypt hash with its own salt and parameters (so they can be raised later
 * without invalidating what is stored), set by an administrator from the command line, checked at sign-in.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';

/** Shortest and longest password accepted (characters). */
export const passwordLength = { min: 12, max: 1024 } as const;

// N = 2^15, r = 8: 32 MiB and tens of milliseconds per hash on a server core, OWASP's scrypt minimum or above.
const params = { N: 32768, r: 8, p: 1 } as const;
const keyLength = 32;

function scryptOf(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r };
  return new Promise((done, fail) =>
    scrypt(password.normalize('NFC'), salt, keyLength, options, (e, key) => (e ? fail(e) : done(key))),
  );
}

/** Throws bad_input unless the password is long enough (and not absurdly long); says what is wrong. */
export function checkPasswordRule(password: string): void {
  const n = [...password].length;
  if (n < passwordLength.min)
    throw badInput(
      `a password needs at least ${passwordLength.min} characters; this one has ${n}. A few unrelated words make a long one easy to remember`,
      { field: 'password' },
    );
  if (n > passwordLength.max)
    throw badInput(`a password has at most ${passwordLength.max} characters; this one has ${n}`, { field: 'password' });
  if (/[\u0000-\u001f\u007f]/.test(password))
    throw badInput('a password cannot contain control characters (a tab, a line break)', { field: 'password' });
}

/** The stored form of a password: scrypt$N$r$p$salt$key, salt and key in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptOf(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when the password matches the stored hash (compared in constant time). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scryptOf(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

// Compared against when the e-mail has no password, so an unknown address takes as long to refuse as a wrong password.
let decoy: Promise<string> | undefined;
/** Spends the time a real check takes, for answers that must not tell whether an address has a password. */
export async function spendVerifyTime(password: string): Promise<void> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoy);
}

/** Sets (or replaces) the password of a person who is in a team of the organisation file. */
export async function setPassword(
  db: Kysely<DB>,
  emailIn: string,
  password: string,
  opts: { actor: string; now?: Date },
): Promise<{ email: string; replaced: boolean }> {
  const email = emailIn.trim().toLowerCase();
  if (!email) throw badInput('name the person: entente people password EMAIL', { field: 'email' });
  checkPasswordRule(password);
  const now = opts.now ?? new Date();
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const personId = await memberId(trx, email);
    if (personId === undefined) {
      throw badInput(
        `${email} is not a member of any team in the organisation file, so they could not sign in to anything. `
          + `Add them to their team's members (teams: - name: TEAM, members: [${email}]), run \`entente org apply org.yaml\`, then set the password`,
        { field: 'email', email },
      );
    }
    const before = await storePasswordHash(trx, personId, hash, now);
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'person.password',
      entity: 'person',
      entityId: personId,
      after: { email, replaced: before },
      at: now,
    });
    return { email, replaced: before };
  });
}

/** Stores a person's password hash (in the caller's transaction) and ends their sessions; true when it replaced one. */
export async function storePasswordHash(trx: Kysely<DB>, personId: number, hash: string, now: Date): Promise<boolean> {
  const before = await trx
    .selectFrom('person_passwords')
    .select('person_id')
    .where('person_id', '=', personId)
    .executeTakeFirst();
  await trx
    .insertInto('person_passwords')
    .values({ person_id: personId, hash, set_at: now })
    .onConflict((oc) => oc.column('person_id').doUpdateSet({ hash, set_at: now }))
    .execute();
  // A new password ends every session signed in with the old one (someone who knew it is out).
  await trx.deleteFrom('sessions').where('person_id', '=', personId).execute();
  return Boolean(before);
}

/** The id of a person who is in a team of the organisation file (only they can sign in), or undefined. */
export async function memberId(db: Kysely<DB>, email: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('people as p')
    .innerJoin('team_members as m', 'm.person_id', 'p.id')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select('p.id')
    .where('p.email', '=', email)
    .where('t.archived_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
