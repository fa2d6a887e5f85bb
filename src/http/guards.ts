/** The access checks routes make before a service runs: the owner is looked up here, the decision is `people/access.ts`'s. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Principal } from '../people/tokens.ts';
import { requireRead, requireWrite, requireWriter } from '../people/access.ts';
import { ownerOf, serviceOwner, type OwnedKind } from '../people/owners.ts';
import { findService } from '../people/services.ts';

/** Throws `forbidden` unless the caller may see this record; an unknown id is left to the service to report. */
export async function checkRead(db: Kysely<DB>, who: Principal, kind: OwnedKind, id: number): Promise<void> {
  const owner = await ownerOf(db, kind, id);
  if (owner) requireRead(who, owner, `${kind === 'gate' ? 'gate decision' : kind} ${id}`);
}

/** Throws unless the caller may write for this service: `forbidden`, or `not_found` for an unknown service. */
export async function checkServiceWrite(db: Kysely<DB>, who: Principal, service: string, verb: string): Promise<void> {
  requireWriter(who, verb);
  const owner = await serviceOwner(db, service);
  if (!owner)
    await findService(db, service); // says which service is unknown and how to add it
  else requireWrite(who, owner, `service ${service}`, verb);
}
