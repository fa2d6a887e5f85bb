/**
 * Migration 004: the foreign keys on the rows an import writes in bulk go. PostgreSQL checks a foreign key with
 * a trigger per inserted row (a lookup in the parent table each time); on findings and finding_sources that was
 * a third of an import's time. Nothing deletes services, teams or findings (services and teams are archived), and
 * the only writers of these columns are the import and org services, which take the ids from the rows they just
 * read in the same transaction — see docs/DESIGN-NOTES.md, "Import speed".
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table findings drop constraint if exists findings_service_id_fkey`.execute(db);
  await sql`alter table findings drop constraint if exists findings_owner_team_id_fkey`.execute(db);
  await sql`alter table finding_sources drop constraint if exists finding_sources_finding_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table findings add constraint findings_service_id_fkey foreign key (service_id) references services(id)`.execute(
    db,
  );
  await sql`alter table findings add constraint findings_owner_team_id_fkey foreign key (owner_team_id) references teams(id)`.execute(
    db,
  );
  await sql`alter table finding_sources add constraint finding_sources_finding_id_fkey foreign key (finding_id) references findings(id) on delete cascade`.execute(
    db,
  );
}
