/** The write at the end of a report, a group of distinct fingerprints at a time: new findings inserted, stored ones merged. */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ImportRow } from '../imports/normalise.ts';
import { dueAtOf, type Policy } from '../policy/policy.ts';
import type { Priority } from './vocabulary.ts';
import { insertNewFindings, type DecidedRow, type NewFindingScope } from './insert-new.ts';
import { loadStored, syncSources, updateSeenAgain, type SeenAgain, type Stored } from './merge-existing.ts';

/** Where an import writes: the service and its owning team, the scan it records, and when, under which policy. */
export interface WriteScope {
  serviceId: number;
  ownerTeamId: number;
  scanId: number;
  now: Date;
  policy: Policy;
}

/** What a write did, for the import's summary; `ids` are the findings the report lists (the rest may be absent). */
export interface WriteCounts {
  ids: number[];
  created: number;
  closedInReport: number;
  unchanged: number;
  reopened: number;
  act: number;
  attend: number;
}

/** Report rows with their priorities decided (the caller looks their CVEs up in the feeds). */
export type Decide = (rows: ImportRow[]) => Promise<DecidedRow[]>;

/**
 * New findings are written once, straight from the report; stored ones are compared in memory and written only when
 * they change. `known` holds stored findings already looked up (while the report was read), so they are not looked
 * up twice. What is absent is fixed after the last group (`fixAbsent`).
 */
export async function writeGroup(
  trx: Kysely<DB>,
  decided: DecidedRow[],
  s: WriteScope,
  known?: Map<string, Stored>,
): Promise<WriteCounts> {
  const scope = newFindingScope(s);
  const stored = await loadStored(
    trx,
    s.serviceId,
    decided.map((d) => d.row.fingerprint).filter((fp) => !known?.has(fp)),
  );
  const fresh: DecidedRow[] = [];
  const seen: SeenAgain[] = [];
  for (const d of decided) {
    const st = known?.get(d.row.fingerprint) ?? stored.get(d.row.fingerprint);
    if (st) seen.push({ row: d, stored: st });
    else fresh.push(d);
  }
  const created = await insertNewFindings(trx, fresh, scope);
  const { unchanged, reopened } = await updateSeenAgain(trx, seen, s.now, scope.dueAt);
  await syncSources(trx, seen, s.scanId);
  return {
    ids: [...seen.map((x) => x.stored.id), ...created.map((c) => c.id)],
    ...createdCounts(fresh),
    unchanged,
    reopened,
    act: count(decided, 'act'),
    attend: count(decided, 'attend'),
  };
}

/** The scope new findings are inserted with: due dates by priority on the policy's calendar. */
export function newFindingScope(s: WriteScope): NewFindingScope {
  return {
    serviceId: s.serviceId,
    ownerTeamId: s.ownerTeamId,
    scanId: s.scanId,
    now: s.now,
    dueAt: dueAtOf(s.policy, s.now),
  };
}

/** The counts of rows an import created: all of them, those the report closed itself, and their act and attend ones. */
export function createdCounts(rows: DecidedRow[]): Pick<WriteCounts, 'created' | 'closedInReport' | 'act' | 'attend'> {
  return {
    created: rows.length,
    closedInReport: rows.filter((d) => d.row.finding.state).length,
    act: count(rows, 'act'),
    attend: count(rows, 'attend'),
  };
}

// What a report closes itself interrupts no one.
const count = (decided: DecidedRow[], p: Priority): number =>
  decided.filter((d) => d.decision.priority === p && !d.row.finding.state).length;
