/**
 * Findings ↔ Jira issues. Entente files an issue in the owning team's project, moves it to Done once a scan has
 * confirmed the fix, and follows the issue's status (Jira's webhook, or polling as the fallback). A Jira Done does not
 * close a finding: the finding gets a note ("fix reported in Jira, the next scan confirms") and a scan decides.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { EntenteError, badInput } from '../../errors.ts';
import { recordAudit } from '../../audit/audit.ts';
import type { Principal } from '../../people/tokens.ts';
import { requireWrite } from '../../people/access.ts';
import type { Calendar } from '../../policy/calendar.ts';
import { adfDocument } from './adf.ts';
import type { JiraClient, JiraIssueStatus } from './jira-client.ts';
import { jiraMessages } from './jira-messages.ts';

/**
 * What the sync needs: the database, the clock, the organisation's calendar, a Jira client, the web app's address for
 * links, and how a commitment is recorded as kept (the commitments service's, passed in by the caller; it joins `trx`).
 */
export interface JiraDeps {
  db: Kysely<DB>;
  now: () => Date;
  calendar: Calendar;
  client: JiraClient;
  jiraUrl: string;
  publicUrl?: string | undefined;
  keepCommitment: KeepCommitment;
}

/** Records a commitment as verified with this evidence, inside the caller's transaction. */
export type KeepCommitment = (trx: Kysely<DB>, commitmentId: number, evidence: string) => Promise<void>;

/** A link as people see it. */
export interface JiraLinkView {
  findingId: number | null;
  commitmentId: number | null;
  issueKey: string;
  issueUrl: string;
  project: string;
  status: string;
  statusCategory: string;
  lastSyncAt: string;
}

/** The actor the audit log names for what Jira's webhook and the polling job change. */
const jiraActor = 'entente:jira';

type LinkRow = Awaited<ReturnType<typeof linkRows>>[number];
const linkRows = (db: Kysely<DB>) => db.selectFrom('jira_links').selectAll().execute();

const viewOf = (deps: Pick<JiraDeps, 'jiraUrl'>, l: LinkRow): JiraLinkView => ({
  findingId: l.finding_id,
  commitmentId: l.commitment_id,
  issueKey: l.issue_key,
  issueUrl: `${deps.jiraUrl}/browse/${l.issue_key}`,
  project: l.project,
  status: l.status,
  statusCategory: l.status_category,
  lastSyncAt: new Date(l.last_sync_at).toISOString(),
});

/** Files a Jira issue for a finding in its owning team's project; a finding already linked gets its link back (created: false). */
export async function linkFinding(
  deps: JiraDeps,
  who: Principal,
  findingId: number,
): Promise<{ created: boolean; link: JiraLinkView }> {
  const f = await deps.db
    .selectFrom('findings as f')
    .innerJoin('teams as t', 't.id', 'f.owner_team_id')
    .innerJoin('services as s', 's.id', 'f.service_id')
    .select([
      'f.id',
      'f.title',
      'f.priority',
      'f.due_at',
      'f.severity',
      'f.aliases',
      'f.status',
      'f.owner_team_id',
      't.name as team',
      't.notify',
      's.name as service',
    ])
    .where('f.id', '=', findingId)
    .executeTakeFirst();
  if (!f) throw new EntenteError('not_found', `finding ${findingId} does not exist`, { id: findingId });
  requireWrite(who, { teamId: f.owner_team_id, team: f.team }, `finding ${findingId}`, 'file Jira issues');
  const existing = await deps.db
    .selectFrom('jira_links')
    .selectAll()
    .where('finding_id', '=', findingId)
    .executeTakeFirst();
  if (existing) return { created: false, link: viewOf(deps, existing) };
  const project = projectOf(f.team, f.notify);
  const text = {
    id: f.id,
    title: f.title,
    service: f.service,
    team: f.team,
    priority: f.priority,
    due: deps.calendar.dayOf(f.due_at),
  };
  const link = deps.publicUrl
    ? { text: jiraMessages.openInEntente.render({ id: f.id }), href: `${deps.publicUrl}/findings/${f.id}` }
    : undefined;
  const description = adfDocument({
    paragraphs: [jiraMessages.issueDescription.render(text)],
    items: [
      { label: 'Service', value: f.service },
      { label: 'Severity', value: f.severity },
      { label: 'Priority', value: f.priority },
      { label: 'Due date', value: text.due },
      ...(f.aliases.length ? [{ label: 'Aliases', value: f.aliases.join(', ') }] : []),
    ],
    link,
  });
  return fileAndLink(deps, who, { finding_id: f.id }, project, {
    summary: jiraMessages.issueSummary.render(text),
    description,
    labels: ['entente', `entente-finding-${f.id}`],
  });
}

/** Files a Jira issue for a commitment in its owning team's project; one already linked gets its link back (created: false). */
export async function linkCommitment(
  deps: JiraDeps,
  who: Principal,
  commitmentId: number,
): Promise<{ created: boolean; link: JiraLinkView }> {
  const c = await deps.db
    .selectFrom('commitments as c')
    .innerJoin('teams as t', 't.id', 'c.owner_team_id')
    .leftJoin('services as s', 's.id', 'c.service_id')
    .select([
      'c.id',
      'c.title',
      'c.due_at',
      'c.verification',
      'c.state',
      'c.owner_team_id',
      't.name as team',
      't.notify',
      's.name as service',
    ])
    .where('c.id', '=', commitmentId)
    .executeTakeFirst();
  if (!c)
    throw new EntenteError(
      'not_found',
      `commitment ${commitmentId} does not exist; \`entente commitments\` lists them`,
      { id: commitmentId },
    );
  requireWrite(who, { teamId: c.owner_team_id, team: c.team }, `commitment ${commitmentId}`, 'file Jira issues');
  const existing = await deps.db
    .selectFrom('jira_links')
    .selectAll()
    .where('commitment_id', '=', commitmentId)
    .executeTakeFirst();
  if (existing) return { created: false, link: viewOf(deps, existing) };
  const project = projectOf(c.team, c.notify);
  const due = deps.calendar.dayOf(c.due_at);
  const description = adfDocument({
    paragraphs: [
      jiraMessages.commitmentDescription.render({
        id: c.id,
        team: c.team,
        due,
        byEvidence: c.verification.method === 'evidence',
      }),
    ],
    items: [
      ...(c.service ? [{ label: 'Service', value: c.service }] : []),
      { label: 'Due date', value: due },
      {
        label: 'Verification',
        value: c.verification.method === 'evidence' ? c.verification.detail : `the ${c.verification.detail} check`,
      },
    ],
    link: deps.publicUrl
      ? { text: jiraMessages.openCommitment.render({ id: c.id }), href: `${deps.publicUrl}/commitments` }
      : undefined,
  });
  const summary = jiraMessages.commitmentSummary.render({ title: c.title, service: c.service });
  return fileAndLink(deps, who, { commitment_id: c.id }, project, {
    summary,
    description,
    labels: ['entente', `entente-commitment-${c.id}`],
  });
}

function projectOf(
  team: string,
  notify: { jira?: { project: string; issueType: string } | undefined } | null,
): { project: string; issueType: string } {
  if (notify?.jira) return notify.jira;
  throw badInput(
    `team ${team} has no Jira project: add notify: { jira: { project: KEY } } to the team in the organisation file and apply it`,
    { team, field: 'notify.jira.project' },
  );
}

// Files the issue, then records the link (the first link stands when two people link at once).
async function fileAndLink(
  deps: JiraDeps,
  who: Principal,
  subject: { finding_id: number } | { commitment_id: number },
  project: { project: string; issueType: string },
  issueText: { summary: string; description: ReturnType<typeof adfDocument>; labels: string[] },
): Promise<{ created: boolean; link: JiraLinkView }> {
  const issue = await deps.client.createIssue({ project: project.project, issueType: project.issueType, ...issueText });
  const created = await deps.client.getIssue(issue.key).catch(() => ({ ...issue, status: 'To Do', category: 'new' }));
  const column = 'finding_id' in subject ? ('finding_id' as const) : ('commitment_id' as const);
  const id = 'finding_id' in subject ? subject.finding_id : subject.commitment_id;
  const now = deps.now();
  const row = await deps.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('jira_links')
      .values({
        ...subject,
        issue_key: issue.key,
        issue_id: issue.id,
        project: project.project,
        status: created.status,
        status_category: created.category,
        last_sync_at: now,
        created_by: who.actor,
        created_at: now,
      })
      .onConflict((oc) => oc.column(column).where(column, 'is not', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted)
      await recordAudit(trx, {
        actor: who.actor,
        action: 'jira.link',
        entity: column === 'finding_id' ? 'finding' : 'commitment',
        entityId: id,
        after: { issue: issue.key, project: project.project },
        at: now,
      });
    return inserted;
  });
  if (row) return { created: true, link: viewOf(deps, row) };
  const first = await deps.db.selectFrom('jira_links').selectAll().where(column, '=', id).executeTakeFirstOrThrow();
  return { created: false, link: viewOf(deps, first) };
}

/** What one status change did: nothing known about the issue, nothing new, a new status kept, or a note on the finding. */
export type StatusOutcome = 'unknown' | 'unchanged' | 'updated' | 'noted';

/**
 * Takes an issue's status as Jira reports it (webhook or polling). A finding's thread is told when its issue reaches
 * Done or leaves it; a commitment verified by evidence is kept with the issue as its evidence (one verified by a check
 * waits for its check).
 */
export async function applyIssueStatus(
  deps: Pick<JiraDeps, 'db' | 'now' | 'keepCommitment' | 'jiraUrl'>,
  issue: Pick<JiraIssueStatus, 'key' | 'status' | 'category'>,
  via: 'webhook' | 'poll',
): Promise<StatusOutcome> {
  const now = deps.now();
  return deps.db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom('jira_links as l')
      .leftJoin('findings as f', 'f.id', 'l.finding_id')
      .leftJoin('services as s', 's.id', 'f.service_id')
      .leftJoin('commitments as c', 'c.id', 'l.commitment_id')
      .selectAll('l')
      .select(['f.status as finding_status', 's.name as service', 'c.state as commitment_state', 'c.verification'])
      .where('l.issue_key', '=', issue.key)
      .forUpdate('l')
      .executeTakeFirst();
    if (!link) return 'unknown';
    if (link.status === issue.status && link.status_category === issue.category) {
      await trx.updateTable('jira_links').set({ last_sync_at: now }).where('id', '=', link.id).execute();
      return 'unchanged';
    }
    const done = issue.category === 'done';
    let note: string | undefined;
    let kept = false;
    if (link.finding_id !== null && done && link.done_noted_at === null) {
      note = jiraMessages.fixReported.render({
        key: issue.key,
        status: issue.status,
        service: link.service ?? 'the service',
        fixed: link.finding_status === 'fixed',
      });
    } else if (link.finding_id !== null && !done && link.done_noted_at !== null && link.finding_status !== 'fixed') {
      note = jiraMessages.reopened.render({ key: issue.key, status: issue.status });
    } else if (
      link.commitment_id !== null
      && done
      && (link.commitment_state === 'open' || link.commitment_state === 'missed')
      && link.verification?.method === 'evidence'
    ) {
      await deps.keepCommitment(
        trx,
        link.commitment_id,
        jiraMessages.commitmentEvidence.render({
          key: issue.key,
          status: issue.status,
          url: `${deps.jiraUrl}/browse/${issue.key}`,
        }),
      );
      kept = true;
    }
    await trx
      .updateTable('jira_links')
      .set({
        status: issue.status,
        status_category: issue.category,
        last_sync_at: now,
        done_noted_at: done ? (link.done_noted_at ?? (note || kept ? now : null)) : null,
      })
      .where('id', '=', link.id)
      .execute();
    if (note && link.finding_id !== null) {
      await trx
        .insertInto('finding_comments')
        .values({ finding_id: link.finding_id, author: jiraActor, body: note, created_at: now })
        .execute();
    }
    await recordAudit(trx, {
      actor: jiraActor,
      action: 'jira.status',
      entity: link.finding_id !== null ? 'finding' : 'commitment',
      entityId: link.finding_id ?? link.commitment_id,
      before: { issue: issue.key, status: link.status, category: link.status_category },
      after: { issue: issue.key, status: issue.status, category: issue.category, via, note: note ?? null, kept },
      at: now,
    });
    return note || kept ? 'noted' : 'updated';
  });
}

/** What one sync did. */
export interface SyncResult {
  transitioned: string[];
  noted: string[];
  updated: string[];
  failed: { issue: string; error: string }[];
}

/**
 * One round of the two-way sync (the polling job, and `entente jira sync`): issues of findings a scan has confirmed
 * fixed, and of commitments verified, move to Done; the status of every other linked issue is read back from Jira.
 */
export async function syncJira(deps: JiraDeps): Promise<SyncResult> {
  const result: SyncResult = { transitioned: [], noted: [], updated: [], failed: [] };
  const links = (
    await deps.db
      .selectFrom('jira_links as l')
      .leftJoin('findings as f', 'f.id', 'l.finding_id')
      .leftJoin('commitments as c', 'c.id', 'l.commitment_id')
      .select(['l.issue_key', 'l.status_category', 'f.status as finding_status', 'c.state as commitment_state'])
      .orderBy('l.id')
      .execute()
  )
    // Settled in Entente: a finding a scan confirmed fixed, a commitment verified.
    .map((l) => ({ ...l, settled: l.finding_status === 'fixed' || l.commitment_state === 'verified' }));
  for (const l of links.filter((x) => x.settled && x.status_category !== 'done')) {
    try {
      if (await moveToDone(deps, l.issue_key)) result.transitioned.push(l.issue_key);
      else
        result.failed.push({
          issue: l.issue_key,
          error: `${l.issue_key} has no transition to a Done status from where it is; move it in Jira`,
        });
    } catch (e) {
      result.failed.push({ issue: l.issue_key, error: (e as Error).message });
    }
  }
  const follow = links
    .filter((x) => !(x.settled && x.status_category === 'done') && !result.transitioned.includes(x.issue_key))
    .map((x) => x.issue_key);
  if (follow.length) {
    for (const issue of await deps.client.statuses(follow)) {
      const outcome = await applyIssueStatus(deps, issue, 'poll');
      if (outcome === 'noted') result.noted.push(issue.key);
      else if (outcome === 'updated') result.updated.push(issue.key);
    }
  }
  return result;
}

/** Moves an issue to Done (the transition whose target is in Jira's done category, "Done" first); false when there is none. */
async function moveToDone(deps: Pick<JiraDeps, 'db' | 'now' | 'client'>, key: string): Promise<boolean> {
  const transitions = await deps.client.transitions(key);
  const toDone = transitions
    .filter((t) => t.to.category === 'done')
    .sort((a, b) => Number(b.to.name === 'Done') - Number(a.to.name === 'Done'))[0];
  if (!toDone) return false;
  await deps.client.transition(key, toDone.id);
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom('jira_links')
      .selectAll()
      .where('issue_key', '=', key)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('jira_links')
      .set({
        status: toDone.to.name,
        status_category: 'done',
        last_sync_at: now,
        done_noted_at: link.done_noted_at ?? now,
      })
      .where('id', '=', link.id)
      .execute();
    await recordAudit(trx, {
      actor: jiraActor,
      action: 'jira.transition',
      entity: link.finding_id !== null ? 'finding' : 'commitment',
      entityId: link.finding_id ?? link.commitment_id,
      before: { issue: key, status: link.status },
      after: {
        issue: key,
        status: toDone.to.name,
        reason: link.finding_id !== null ? 'a scan confirmed the fix' : 'the commitment is verified',
      },
      at: now,
    });
  });
  return true;
}
