/**
 * The automatic risk check: a pure function of the policy's `changes` section and a request's normal form → a risk
 * level, the reasons in plain words, the safeguards that make it safe, a safer alternative where the policy knows one,
 * the longest lease, whether an end date is needed, and whose approval it takes.
 */
import { riskLevels, type ChangeRule, type ChangesPolicy, type RiskLevel, type SafeguardFit } from './change-policy.ts';
import type { ChangeFields } from './change-request.ts';

export type ApprovalPath = 'standard' | 'owner' | 'owner_and_security';

/** A safeguard as the check asks for it; `due` is absent in checks stored before safeguards had their own dates. */
export interface Safeguard {
  id: string;
  title: string;
  verify: string;
  due?: 'start' | number;
}

export interface RiskCheck {
  risk: RiskLevel;
  reasons: string[];
  rules: string[];
  safeguards: Safeguard[];
  alternative: string | null;
  /** True: the requester answers the alternative (takes it, or keeps the request with a reason) before the approvals. */
  alternativeFirst: boolean;
  /** What the request asks for, as people name it ("FTP"): what a requester keeps instead of the alternative. */
  protocolLabel: string;
  maxLeaseDays: number;
  needsEnd: boolean;
  approval: ApprovalPath;
  standard: string | null;
}

/** What the check reads: the request's normal form, whether it has no end, and the service it belongs to (its hosts and exposure). */
export interface RiskFacts {
  fields: ChangeFields;
  longLived: boolean;
  service?: { hosts: readonly string[]; exposure: ServiceExposure } | undefined;
}

type ServiceExposure = 'internet' | 'internal' | 'isolated';

const rank = (r: RiskLevel): number => riskLevels.indexOf(r);

/** Decides the risk of a request from the policy's rules; the same facts always give the same answer. */
export function checkRisk(policy: ChangesPolicy, facts: RiskFacts): RiskCheck {
  const { fields } = facts;
  const proto = fields.protocol ? policy.protocols[fields.protocol] : undefined;
  const altKey = proto?.alternative;
  const words = {
    protocol: proto?.label ?? fields.protocol?.toUpperCase() ?? 'this access',
    alternative: (altKey ? policy.protocols[altKey]?.label : undefined) ?? 'an encrypted protocol',
  };
  const fill = (s: string): string =>
    s.replace(/\{protocol\}/g, words.protocol).replace(/\{alternative\}/g, words.alternative);
  const all = policy.rules.filter((r) =>
    matches(r, fields, proto?.classes ?? [], facts.longLived, facts.service?.exposure),
  );
  // A standard template answers the rules it covers; it applies when what is left is low risk.
  const standard = policy.standard.find(
    (t) => fitsTemplate(t, fields, facts.service) && worst(all.filter((r) => !t.covers.includes(r.id))) === 'low',
  );
  const matched = standard ? all.filter((r) => !standard.covers.includes(r.id)) : all;
  const risk = worst(matched);
  const catalogue = new Map(policy.safeguards.map((s) => [s.id, s]));
  const fitting = (sid: string): boolean => {
    const s = catalogue.get(sid);
    return s !== undefined && fits(s.fits, fields.type, proto?.classes ?? []);
  };
  // A group is one safeguard of several: the first that fits the request (uploads logged for a share, sessions for remote access).
  const chosen = matched.flatMap((r) =>
    r.safeguards.flatMap((entry) =>
      Array.isArray(entry) ? entry.filter(fitting).slice(0, 1) : [entry].filter(fitting),
    ),
  );
  const unique = [...new Set(chosen)].map((sid) => catalogue.get(sid)!);
  // A safeguard that replaces the request (SFTP instead of FTP) is the alternative, offered before approval; only the
  // others go with an approval, or the approval would ask for the opposite of what it approves.
  const safeguards = unique
    .filter((s) => !s.replaces_request)
    .map((s) => ({ id: s.id, title: fill(s.title), verify: fill(s.verify), due: s.due }));
  const replacing = unique.find((s) => s.replaces_request);
  const alternative =
    matched.find((r) => r.alternative && (!r.alternative.includes('{alternative}') || altKey))?.alternative
    ?? replacing?.title;
  const maxLeaseDays = Math.min(policy.lease_days[risk], ...matched.map((r) => r.max_days ?? Number.POSITIVE_INFINITY));
  const needsEnd = policy.temporary_types.includes(fields.type) || rank(risk) > rank(policy.long_lived_up_to);
  return {
    risk,
    reasons: matched.map((r) => fill(r.reason)),
    rules: matched.map((r) => r.id),
    safeguards,
    alternative: alternative ? fill(alternative) : null,
    alternativeFirst: alternative !== undefined,
    protocolLabel: words.protocol,
    maxLeaseDays,
    needsEnd,
    approval: standard ? 'standard' : risk === 'low' ? 'owner' : 'owner_and_security',
    standard: standard?.id ?? null,
  };
}

function worst(rules: readonly ChangeRule[]): RiskLevel {
  return rules.reduce<RiskLevel>((w, r) => (rank(r.risk) > rank(w) ? r.risk : w), 'low');
}

// The request has the template's shape: its type, protocol, ports and reach, to hosts the service lists where it asks that.
function fitsTemplate(t: ChangesPolicy['standard'][number], f: ChangeFields, service: RiskFacts['service']): boolean {
  if (!t.types.includes(f.type)) return false;
  if (t.protocols && (f.protocol === null || !t.protocols.includes(f.protocol))) return false;
  if (t.internet_facing !== undefined && t.internet_facing !== f.internetFacing) return false;
  if (t.ports && (f.ports.length === 0 || !f.ports.every((r) => r.from === r.to && t.ports!.includes(r.from))))
    return false;
  if (t.own_hosts) {
    const own = new Set((service?.hosts ?? []).map((h) => h.toLowerCase()));
    if (f.destination.length === 0 || !f.destination.every((h) => own.has(h))) return false;
  }
  return true;
}

function fits(when: SafeguardFit | undefined, type: string, classes: readonly string[]): boolean {
  if (!when) return true;
  if (when.not_classes?.some((c) => classes.includes(c))) return false;
  if (!when.types && !when.classes) return true;
  return (when.types?.includes(type as never) ?? false) || (when.classes?.some((c) => classes.includes(c)) ?? false);
}

function matches(
  rule: ChangeRule,
  f: ChangeFields,
  classes: readonly string[],
  longLived: boolean,
  exposure: ServiceExposure | undefined,
): boolean {
  const w = rule.when;
  if (w.service_exposure && (exposure === undefined || !w.service_exposure.includes(exposure))) return false;
  if (w.types && !w.types.includes(f.type)) return false;
  if (w.classes && !w.classes.some((c) => classes.includes(c))) return false;
  if (w.internet_facing !== undefined && w.internet_facing !== f.internetFacing) return false;
  if (w.source_any !== undefined && w.source_any !== f.sourceAny) return false;
  if (w.authentication && (f.authentication === null || !w.authentication.includes(f.authentication))) return false;
  if (w.data && !w.data.includes(f.dataClass)) return false;
  if (w.long_lived !== undefined && w.long_lived !== longLived) return false;
  return true;
}

/** The protocol key a scanner's service name stands for (nmap's "ms-wbt-server" → rdp), or undefined. */
export function protocolOfService(policy: ChangesPolicy, serviceName: string): string | undefined {
  const name = serviceName.toLowerCase();
  if (policy.protocols[name]) return name;
  return Object.entries(policy.protocols).find(([, p]) => p.nmap.includes(name))?.[0];
}
