/** Looking a service up by name: what imports, gates, changes and the access guards share of the organisation. */
import type { Kysely } from 'kysely';
import type { DB, Service } from '../db/schema.ts';
import { EntenteError } from '../errors.ts';

/** The service of that name that is not archived, or says which name is unknown and how to add it. */
export async function findService(db: Kysely<DB>, name: string): Promise<Service> {
  const service = await db
    .selectFrom('services')
    .selectAll()
    .where('name', '=', name)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  if (!service) {
    throw new EntenteError(
      'not_found',
      `unknown service "${name}": add it to your organisation file and run \`entente org apply\` (or send the file to a server: POST /api/org)`,
      { service: name },
    );
  }
  return service;
}
