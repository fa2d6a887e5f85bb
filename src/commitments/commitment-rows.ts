/**
 * Commitments as rows to insert, and the audit entry of their creation: pure, so that a gate's tens of thousands can be
 * prepared in its worker thread (src/gates/gate-worker.ts) as well as in line (commitments-service.ts).
 */
import type { CommitmentSourceType, CommitmentState } from './vocabulary.ts';
import type { Control } from '../gates/gate-policy.ts';
import type { Verification } from './commitment-view.ts';
import { badInput } from '../errors.ts';
import { pgJson } from '../db/pg-json.ts';
import { entryTexts, type EntryTexts } from '../audit/entry-texts.ts';

/** What a caller asks for; `verification` defaults to the control's from the catalogue, `title` to the control's title. */
export interface CommitmentInput {
  kind: 'control' | 'fix' | 'removal' | (string & {});
  controlId?: string | null | undefined;
  title?: string | undefined;
  ownerTeamId: number;
  serviceId?: number | null | undefined;
  findingId?: number | null | undefined;
  dueAt: Date;
  verification?: Verification | undefined;
  source: { type: CommitmentSourceType; id: number };
}

const sourceTypes: readonly CommitmentSourceType[] = ['gate', 'change', 'exception', 'review'];

/** Rows per insert statement (one JSON document each). */
export const insertBatch = 2_000;

/** Commitments ready to insert: their rows as JSON documents of `insertBatch` rows (json_to_recordset), and the
 * teams, services and findings they name, which must exist. */
export interface PreparedCommitments {
  count: number;
  batches: string[];
  teams: number[];
  services: number[];
  findings: number[];
}

/** Checks and prepares what callers ask for; `rows` serve the audit entry once the ids are known (`createdAuditTexts`). */
export function prepareCommitments(
  inputs: CommitmentInput[],
  catalogue: readonly Control[],
): { prepared: PreparedCommitments; rows: Row[] } {
  const controls = new Map(catalogue.map((c) => [c.id, c]));
  const rows = inputs.map((input, i) => rowOf(input, controls, inputs.length > 1 ? `commitments[${i}]` : 'commitment'));
  const batches: string[] = [];
  for (let i = 0; i < rows.length; i += insertBatch) batches.push(pgJson(rows.slice(i, i + insertBatch)));
  const teams = new Set<number>();
  const services = new Set<number>();
  const findings = new Set<number>();
  for (const r of rows) {
    teams.add(r.owner_team_id);
    if (r.service_id) services.add(r.service_id);
    if (r.finding_id) findings.add(r.finding_id);
  }
  return {
    prepared: { count: rows.length, batches, teams: [...teams], services: [...services], findings: [...findings] },
    rows,
  };
}

/** The audit entry's texts for created commitments: `ids` in the order of `rows`. */
export function createdAuditTexts(ids: number[], rows: Row[]): EntryTexts {
  return entryTexts(null, auditOf(ids, rows));
}

/**
 * What the audit log records of created commitments: grouped by what they share (kind, control, team, service, source),
 * with each one's id, finding and due date in lists. One object per commitment made the entry of a big gate's tens of
 * thousands a long stretch of key sorting (the chain hashes canonical JSON) during which the server answered nobody.
 */
function auditOf(ids: number[], rows: Row[]) {
  const groups = new Map<
    string,
    {
      kind: string;
      controlId: string | null;
      ownerTeamId: number;
      serviceId: number | null;
      source: string;
      ids: number[];
      findingIds: (number | null)[];
      dueAt: string[];
    }
  >();
  rows.forEach((r, i) => {
    const source = `${r.source_type}:${r.source_id}`;
    const key = [r.kind, r.control_id, r.owner_team_id, r.service_id, source].join('|');
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = {
          kind: r.kind,
          controlId: r.control_id,
          ownerTeamId: r.owner_team_id,
          serviceId: r.service_id,
          source,
          ids: [],
          findingIds: [],
          dueAt: [],
        }),
      );
    g.ids.push(ids[i]!);
    g.findingIds.push(r.finding_id);
    g.dueAt.push(r.due_at.toISOString());
  });
  return { ids, groups: [...groups.values()] };
}

export type Row = {
  kind: string;
  control_id: string | null;
  title: string;
  owner_team_id: number;
  service_id: number | null;
  finding_id: number | null;
  due_at: Date;
  verification: Verification;
  source_type: CommitmentSourceType;
  source_id: number;
  state: CommitmentState;
};

function rowOf(input: CommitmentInput, controls: Map<string, Control>, where: string): Row {
  if (!/^[a-z][a-z0-9-]*$/.test(input.kind ?? ''))
    throw badInput(
      `${where}.kind: "${input.kind}" is not a kind; use control, fix, removal or another lower-case word`,
      { field: 'kind' },
    );
  const control = input.controlId ? controls.get(input.controlId) : undefined;
  if (input.controlId && !control) {
    throw badInput(
      `${where}.controlId: no control "${input.controlId}" in the catalogue; the controls are ${[...controls.keys()].join(', ')}`,
      { field: 'controlId' },
    );
  }
  if (input.kind === 'control' && !control)
    throw badInput(
      `${where}.controlId: a control commitment names its control from the catalogue (${[...controls.keys()].join(', ')})`,
      { field: 'controlId' },
    );
  const title = (input.title ?? control?.title ?? '').trim();
  if (!title) throw badInput(`${where}.title: say what is committed to, in a few words`, { field: 'title' });
  if (!(input.dueAt instanceof Date) || Number.isNaN(input.dueAt.getTime()))
    throw badInput(`${where}.dueAt: give the date it is due`, { field: 'dueAt' });
  if (!sourceTypes.includes(input.source?.type))
    throw badInput(`${where}.source.type: one of ${sourceTypes.join(', ')}`, { field: 'source.type' });
  if (!isId(input.source.id))
    throw badInput(`${where}.source.id: the id of the ${input.source.type} it comes from`, { field: 'source.id' });
  if (!isId(input.ownerTeamId)) throw badInput(`${where}.ownerTeamId: the team that owes it`, { field: 'ownerTeamId' });
  const verification = input.verification ?? (control ? verificationOf(control) : undefined);
  if (!verification || !['evidence', 'check'].includes(verification.method) || !verification.detail?.trim()) {
    throw badInput(
      `${where}.verification: say how it is verified ({ method: "evidence", detail: what to show } or { method: "check", detail: "finding-fixed" })`,
      { field: 'verification' },
    );
  }
  if (verification.method === 'check' && (verification.detail !== 'finding-fixed' || !input.findingId)) {
    throw badInput(
      `${where}.verification: the check Entente runs is "finding-fixed", and it needs the finding (findingId)`,
      { field: 'verification' },
    );
  }
  return {
    kind: input.kind,
    control_id: control?.id ?? null,
    title,
    owner_team_id: input.ownerTeamId,
    service_id: input.serviceId ?? null,
    finding_id: input.findingId ?? null,
    due_at: input.dueAt,
    verification,
    source_type: input.source.type,
    source_id: input.source.id,
    state: 'open',
  };
}

/** How a catalogue control is verified, as a commitment records it. */
function verificationOf(control: Control): Verification {
  return 'check' in control.verify
    ? { method: 'check', detail: control.verify.check }
    : { method: 'evidence', detail: control.verify.evidence };
}

function isId(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 2 ** 31;
}
