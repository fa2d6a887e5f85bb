/**
 * The automatic risk check: a pure function of the policy's `changes` section and a request's normal form → a risk
 * level, the reasons in plain words, the safeguards that make it safe, a safer alternative where the policy knows one,
 * the longest lease, whether an end date is needed, and whose approval it takes.
 */
import { riskLevels, type ChangeRule, type ChangesPolicy, type RiskLevel, type SafeguardFit } from './change-policy.ts';
import type { ChangeFields } from './change-request.ts';

export type ApprovalPath = 'standard' | 'owner' | 'owner_and_security';

/** A safeguard as the check asks for it; `due` is absent in checks stored before safeguards had their own dates. */
export interface Safeguard { id: string; title: string; verify: string; due?: 'start' | number }

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

export interface RiskFacts { fields: ChangeFields; longLived: boolean }

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
  const fill = (s: string): string => s.replace(/\{protocol\}/g, words.protocol).replace(/\{alternative\}/g, words.alternative);
  const matched = policy.rules.filter((r) => matches(r, fields, proto?.classes ?? [], facts.longLived));
  const risk = matched.reduce<RiskLevel>((worst, r) => (rank(r.risk) > rank(worst) ? r.risk : worst), 'low');
  const catalogue = new Map(policy.safeguards.map((s) => [s.id, s]));
  const fitting = (sid: string): boolean => {
    const s = catalogue.get(sid);
    return s !== undefined && fits(s.fits, fields.type, proto?.classes ?? []);
  };
  // A group is one safeguard of several: the first that fits the request (uploads logged for a share, sessions for remote access).
  const chosen = matched.flatMap((r) => r.safeguards.flatMap((entry) => (Array.isArray(entry) ? entry.filter(fitting).slice(0, 1) : [entry].filter(fitting))));
  const unique = [...new Set(chosen)].map((sid) => catalogue.get(sid)!);
  // A safeguard that replaces the request (SFTP instead of FTP) is the alternative, offered before approval; only the
  // others go with an approval, or the approval would ask for the opposite of what it approves.
  const safeguards = unique.filter((s) => !s.replaces_request).map((s) => ({ id: s.id, title: fill(s.title), verify: fill(s.verify), due: s.due }));
  const replacing = unique.find((s) => s.replaces_request);
  const alternative = matched.find((r) => r.alternative && (!r.alternative.includes('{alternative}') || altKey))?.alternative ?? replacing?.title;
  const maxLeaseDays = Math.min(policy.lease_days[risk], ...matched.map((r) => r.max_days ?? Number.POSITIVE_INFINITY));
  const needsEnd = policy.temporary_types.includes(fields.type) || rank(risk) > rank(policy.long_lived_up_to);
  const standard = risk === 'low' ? policy.standard.find((t) => t.types.includes(fields.type)
    && (!t.protocols || (fields.protocol !== null && t.protocols.includes(fields.protocol)))
    && (t.internet_facing === undefined || t.internet_facing === fields.internetFacing)) : undefined;
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

function fits(when: SafeguardFit | undefined, type: string, classes: readonly string[]): boolean {
  if (!when) return true;
  if (when.not_classes?.some((c) => classes.includes(c))) return false;
  if (!when.types && !when.classes) return true;
  return (when.types?.includes(type as never) ?? false) || (when.classes?.some((c) => classes.includes(c)) ?? false);
}

function matches(rule: ChangeRule, f: ChangeFields, classes: readonly string[], longLived: boolean): boolean {
  const w = rule.when;
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
