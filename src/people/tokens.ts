/** API tokens: created once and shown once, stored as a SHA-256 hash, each with a role and optionally a person. */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import { EntenteError, badInput } from '../errors.ts';
import { recordAudit } from '../audit/audit.ts';

export const roles: readonly Role[] = ['admin', 'security', 'engineer', 'manager', 'auditor'];

/** Who is calling: the token's role, and for a person's token the teams they belong to. */
export interface Principal {
  actor: string;          // what the audit log records
  role: Role;
  personId: number | null;
  teamIds: number[];
}

/** The principal the local CLI acts as: whoever can open the data folder is its administrator. */
export const localAdmin: Principal = { actor: 'local-cli', role: 'admin', personId: null, teamIds: [] };

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Creates a token and returns its plain text (never stored). */
export async function createToken(db: Kysely<DB>, opts: { name: string; role: string; person?: string | undefined; actor?: string }): Promise<{ id: number; token: string }> {
  if (!roles.includes(opts.role as Role)) throw badInput(`unknown role "${opts.role}"; roles: ${roles.join(', ')}`, { role: opts.role });
  if (!opts.name.trim()) throw badInput('a token needs a name (who or what uses it)');
  const token = `ent_${randomBytes(24).toString('base64url')}`;
  const row = await db.transaction().execute(async (trx) => {
    let personId: number | null = null;
    if (opts.person) {
      const email = opts.person.trim().toLowerCase();
      const person = await trx.insertInto('people').values({ email }).onConflict((oc) => oc.column('email').doUpdateSet({ email })).returning('id').executeTakeFirstOrThrow();
      personId = person.id;
    }
    const created = await trx.insertInto('api_tokens').values({ name: opts.name.trim(), role: opts.role as Role, person_id: personId, token_hash: hashOf(token) })
      .returning('id').executeTakeFirstOrThrow();
    // The audit records who the token is for, never the token or its hash.
    await recordAudit(trx, { actor: opts.actor ?? 'local-cli', action: 'token.create', entity: 'token', entityId: created.id, after: { name: opts.name.trim(), role: opts.role, person: opts.person ?? null }, at: new Date() });
    return created;
  });
  return { id: row.id, token };
}

/** True when no token exists yet (a fresh installation). */
export async function hasNoTokens(db: Kysely<DB>): Promise<boolean> {
  return (await db.selectFrom('api_tokens').select('id').limit(1).execute()).length === 0;
}

/** The principal behind a bearer token, or an `unauthorized` error. */
export async function authenticate(db: Kysely<DB>, token: string | undefined): Promise<Principal> {
  if (!token) throw new EntenteError('unauthorized', 'this API needs a token: send "Authorization: Bearer <token>" (create one with `entente token create`)');
  const row = await db.selectFrom('api_tokens').leftJoin('people', 'people.id', 'api_tokens.person_id')
    .select(['api_tokens.id', 'api_tokens.name', 'api_tokens.role', 'api_tokens.person_id', 'api_tokens.revoked_at', 'people.email'])
    .where('token_hash', '=', hashOf(token)).executeTakeFirst();
  if (!row || row.revoked_at) throw new EntenteError('unauthorized', 'the token is unknown or revoked');
  const teams = row.person_id === null ? [] : await db.selectFrom('team_members').select('team_id').where('person_id', '=', row.person_id).execute();
  return { actor: row.email ?? `token:${row.name}`, role: row.role, personId: row.person_id, teamIds: teams.map((t) => t.team_id) };
}

export { requireRole, writers } from './access.ts';
