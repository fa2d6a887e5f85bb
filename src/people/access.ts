/**
 * Who may do what to which team's records: the one place that decides it, from the caller's role and teams and the
 * team that owns a record (through its service). Pure: callers look the owner up and ask here.
 */
import type { Role } from './vocabulary.ts';
import { EntenteError } from '../errors.ts';
import type { Principal } from './tokens.ts';

/** The team that owns a record: a service's owner team, and through it its findings, changes, gates and commitments. */
export interface Owner {
  teamId: number;
  team: string;
}

type Reach = 'all' | 'own' | 'none';

// Engineers work on, and see, what their teams own: the findings, exceptions, changes, gates, commitments and exposure
// of their teams' services. Entente holds a map of the whole organisation's weaknesses, and an engineer's token lives
// in CI jobs and laptops; Security, admins, managers (the shared scorecard) and auditors see every team's.
const reach: Record<Role, { read: Reach; write: Reach }> = {
  admin: { read: 'all', write: 'all' },
  security: { read: 'all', write: 'all' },
  engineer: { read: 'own', write: 'own' },
  manager: { read: 'all', write: 'none' },
  auditor: { read: 'all', write: 'none' },
};

/** Actions on the whole installation, which no team owns, and the roles that may take them. */
const installationActions = {
  'apply the organisation file': ['admin'],
  'manage API tokens': ['admin'],
  "set people's passwords": ['admin'],
  'load exploitation feeds': ['admin', 'security'],
  // A host scan names many services' hosts, and hosts no service lists; its closed ports fix findings. It is the
  // independent check on what is open, so the team whose ports it judges does not send it (see DESIGN-NOTES).
  'send host scans (exposure)': ['admin', 'security'],
  'read the audit log': ['admin', 'security', 'auditor'],
  'export the audit log': ['admin', 'security', 'auditor'],
  'verify the audit log': ['admin', 'security', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type InstallationAction = keyof typeof installationActions;

/** True when the caller may see this team's records. */
function mayRead(who: Principal, owner: Pick<Owner, 'teamId'>): boolean {
  return allows(reach[who.role].read, who, owner.teamId);
}

/** True when the caller may change this team's records. */
export function mayWrite(who: Principal, owner: Pick<Owner, 'teamId'>): boolean {
  return allows(reach[who.role].write, who, owner.teamId);
}

function allows(r: Reach, who: Principal, teamId: number): boolean {
  return r === 'all' || (r === 'own' && who.teamIds.includes(teamId));
}

/** The teams whose records a list may show the caller: undefined for every team. */
export function readableTeams(who: Principal): number[] | undefined {
  return reach[who.role].read === 'all' ? undefined : [...who.teamIds];
}

/** Throws `forbidden` unless the caller may see `what` (e.g. "finding 12"); the message does not name the owner. */
export function requireRead(who: Principal, owner: Owner, what: string): void {
  if (mayRead(who, owner)) return;
  throw new EntenteError(
    'forbidden',
    `${what} belongs to a team you are not a member of; engineers see their own teams' work, and that team or Security can share what you need`,
    {},
  );
}

/** Throws `forbidden` unless the caller may change what belongs to `owner`; `what` names it, `verb` says what was tried. */
export function requireWrite(who: Principal, owner: Owner, what: string, verb: string): void {
  if (mayWrite(who, owner)) return;
  if (reach[who.role].write === 'none') {
    throw new EntenteError(
      'forbidden',
      `the ${who.role} role reads but does not change anything, so it cannot ${verb}; ask a member of ${owner.team} or Security`,
      { team: owner.team },
    );
  }
  throw new EntenteError(
    'forbidden',
    `${what} belongs to ${owner.team}, and engineers ${verb} for their own teams' services only; ask a member of ${owner.team} or Security, `
      + `or to be added to ${owner.team}'s members in the organisation file`,
    { team: owner.team },
  );
}

/** Throws `forbidden` unless the caller's role may take this installation-wide action. */
export function requireAction(who: Principal, action: InstallationAction): void {
  const allowed: readonly Role[] = installationActions[action];
  if (allowed.includes(who.role)) return;
  const names = allowed.map((r) => (r === 'security' ? 'Security' : `an ${r}`));
  throw new EntenteError('forbidden', `the ${who.role} role cannot ${action}; ${names.join(' or ')} can`, { action });
}

/**
 * Throws `forbidden` unless the caller is a person. An approval is someone's word, and the two an exception or a change
 * needs must be two people: tokens not tied to one (automation, the first admin token) could otherwise fill both places.
 */
export function requireApprover(who: Principal, what: string): void {
  if (who.personId !== null) return;
  throw new EntenteError(
    'forbidden',
    `${what} is approved by people, and this token (${who.actor}) is not tied to a person; approve with a token of your own `
      + '(`entente token create --role ROLE --name NAME --person YOUR_EMAIL`)',
    { actor: who.actor },
  );
}

/**
 * The role a person signed in with a password acts in, from the kinds of their teams in the organisation file: a member
 * of a security team is Security, anyone else an engineer of their teams. Admin, manager and auditor are token roles
 * (`entente token create`): the organisation file does not name them.
 */
export function roleOfTeams(kinds: readonly string[]): Role {
  return kinds.includes('security') ? 'security' : 'engineer';
}

/** Roles that may change data at all (each only what its reach allows). */
export const writers: readonly Role[] = ['admin', 'security', 'engineer'];

/** Throws `forbidden` unless the principal has one of the roles. */
export function requireRole(p: Principal, allowed: readonly Role[], what: string): void {
  if (!allowed.includes(p.role))
    throw new EntenteError('forbidden', `the ${p.role} role cannot ${what}; ask an ${allowed.join(' or ')}`);
}

/** Throws `forbidden` unless the caller's role may change anything at all (before the record's owner is known). */
export function requireWriter(who: Principal, verb: string): void {
  if (reach[who.role].write !== 'none') return;
  throw new EntenteError(
    'forbidden',
    `the ${who.role} role reads but does not change anything, so it cannot ${verb}; ask an engineer of the team or Security`,
    {},
  );
}
