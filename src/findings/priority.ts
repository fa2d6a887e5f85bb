/** SSVC-style priority: a pure function of a finding's facts and its service, with the reasons in words. */
import type { Priority } from './vocabulary.ts';
import type { FindingKind, Severity } from '../imports/types.ts';
import { severityRank } from '../imports/severity.ts';
import { injectionOf } from './injection.ts';

export type Exploitation = 'active' | 'poc' | 'none';
export type ExposureLevel = 'open' | 'controlled' | 'small';

/** What the priority decision looks at. */
export interface PriorityFacts {
  severity: Severity;
  kind: FindingKind | string;
  /** The tool's rule id: Entente's own exposure findings are recognised by theirs ("exposure/ftp", …). */
  ruleId?: string | null | undefined;
  cvssVector?: string | null | undefined;
  aliases: string[];
  /** The CWEs: an injection weakness in code on an internet-facing service counts (see `injection.ts`). */
  cwes: readonly number[];
  kev: boolean;
  epss?: number | null | undefined;
  service: { name: string; exposure: 'internet' | 'internal' | 'isolated'; criticality: number };
}

export interface PriorityDecision {
  priority: Priority;
  rank: number;
  exploitation: Exploitation;
  automatable: boolean;
  reasons: string[];
}

export const priorityRanks: Record<Priority, number> = { act: 1, attend: 2, 'track*': 3, track: 4 };

/** Decides act / attend / track* / track from exploitation, exposure, automatability and mission impact. */
export function decidePriority(f: PriorityFacts, epssHigh: number, explain = true): PriorityDecision {
  // Imports decide for every finding and store no reasons (they are derived when read), so words are built only on request.
  // Optional chaining skips building the words at all (`reasons?.push(…)` does not evaluate its argument).
  const reasons: string[] | null = explain ? [] : null;
  const exploitation = exploitationOf(f, epssHigh, reasons);
  const exposure = levelOf(f.service);
  const missionHigh = f.service.criticality >= 3;
  const severe = severityRank[f.severity] <= severityRank.high;
  // Said early: reminders show a finding's first few reasons.
  const injection = injectionRule(f, exposure, missionHigh, severe, reasons);
  reasons?.push(`${f.service.name} is ${f.service.exposure === 'internet' ? 'internet-facing' : f.service.exposure}`);
  const automatable = automatableOf(f, reasons);
  reasons?.push(
    `${f.service.name} has criticality ${f.service.criticality} of 4${missionHigh ? ' (high mission impact)' : ''}`,
  );
  reasons?.push(`the scanner rates it ${f.severity}`);
  const decided = decide(
    exploitation,
    exposure,
    automatable,
    missionHigh,
    severe,
    f.severity === 'critical',
    injection,
  );
  // A licence is never pushed on people as a weakness, whatever the service: at most track*.
  const priority: Priority = isLicence(f) && priorityRanks[decided] < priorityRanks['track*'] ? 'track*' : decided;
  return { priority, rank: priorityRanks[priority], exploitation, automatable, reasons: reasons ?? [] };
}

// `injection`: the injection rule holds (an injection weakness in code, rated high or above, on an internet-facing
// service with high mission impact). Each branch with more exploitation evidence is at least as high for it: likely
// exploitation of it is attend (mission) or act, active exploitation act (open).
function decide(
  e: Exploitation,
  x: ExposureLevel,
  auto: boolean,
  mission: boolean,
  severe: boolean,
  critical: boolean,
  injection: boolean,
): Priority {
  if (e === 'active') return x === 'open' || mission ? 'act' : 'attend';
  if (e === 'poc') {
    if (x === 'open' && auto && mission && severe) return 'act';
    if (x !== 'small' && (auto || mission)) return 'attend';
    return 'track*';
  }
  if (x === 'open' && mission && critical && auto) return 'attend';
  if (injection) return 'attend';
  if ((severe && x !== 'small') || critical) return 'track*';
  return 'track';
}

function exploitationOf(f: PriorityFacts, epssHigh: number, reasons: string[] | null): Exploitation {
  if (isLicence(f)) {
    reasons?.push(
      'a licence is a legal question with owners of its own: we track it, it is not a weakness an attacker can use',
    );
    return 'none';
  }
  const cve = f.aliases.find((a) => a.startsWith('CVE-'));
  if (f.kev) {
    reasons?.push(`${cve ?? 'it'} is in CISA's Known Exploited Vulnerabilities catalogue: exploitation is active`);
    return 'active';
  }
  if (f.epss != null && f.epss >= epssHigh) {
    reasons?.push(
      `EPSS gives ${cve ?? 'it'} a ${(f.epss * 100).toFixed(1)}% chance of exploitation in 30 days: exploitation is likely`,
    );
    return 'poc';
  }
  if (f.kind === 'secret') {
    reasons?.push('a committed secret can be used as soon as it is found: exploitation is likely');
    return 'poc';
  }
  if (isUnapprovedExposure(f) && severityRank[f.severity] <= severityRank.medium) {
    reasons?.push(
      'an open service nobody approved is found by internet-wide scanners within hours: exploitation is likely',
    );
    return 'poc';
  }
  reasons?.push(
    f.epss != null
      ? `EPSS gives ${cve ?? 'it'} ${(f.epss * 100).toFixed(1)}%: no sign of exploitation`
      : 'no sign of exploitation is known',
  );
  return 'none';
}

function levelOf(service: PriorityFacts['service']): ExposureLevel {
  return service.exposure === 'internet' ? 'open' : service.exposure === 'internal' ? 'controlled' : 'small';
}

function automatableOf(f: PriorityFacts, reasons: string[] | null): boolean {
  const v = f.cvssVector ?? '';
  if (/AV:N/.test(v) && /PR:N/.test(v) && /UI:N/.test(v)) {
    reasons?.push('its CVSS vector allows a remote attack with no privileges or user interaction (automatable)');
    return true;
  }
  if (isUnapprovedExposure(f)) {
    reasons?.push('the port answers over the network, so reaching it can be automated');
    return true;
  }
  if (f.kind === 'web' || f.kind === 'secret') {
    reasons?.push(
      f.kind === 'web'
        ? 'a scanner reached it over the network, so an attack can be automated'
        : 'using a leaked secret can be automated',
    );
    return true;
  }
  return false;
}

// An injection weakness in code (or found at a parameter by a web scanner) turns what anyone can send the service into
// something it runs. With no CVSS vector, code findings never count as automatable, so before this rule `shell=True`
// or `eval(input())` in an internet-facing, mission-critical service stayed track*: unseen until the SLA ran out.
// Where it holds, the finding is at least attend; the CWE's reason is given whenever the finding has one.
function injectionRule(
  f: PriorityFacts,
  x: ExposureLevel,
  mission: boolean,
  severe: boolean,
  reasons: string[] | null,
): boolean {
  if (f.kind !== 'code' && f.kind !== 'web') return false;
  const injection = injectionOf(f.cwes);
  if (!injection) return false;
  const holds = x === 'open' && mission && severe;
  reasons?.push(
    `CWE-${injection.cwe} (${injection.name}) turns input into ${injection.becomes}${x === 'open' ? ', and anyone on the internet can send it input' : ''}${
      holds ? `: rated ${f.severity} on a service with high mission impact, it is at least attend` : ''
    }`,
  );
  return holds;
}

// Licence findings (Trivy, Snyk) are dependency findings whose rule is "license:<licence>"; the rule id and kind are
// stored, so an import (which also sees `detail.category`) and a decision rebuilt from a stored row agree.
function isLicence(f: PriorityFacts): boolean {
  return f.kind === 'dependency' && typeof f.ruleId === 'string' && f.ruleId.startsWith('license:');
}

// Exposure findings are Entente's own: an open port that no approved change covers (src/exposure/).
function isUnapprovedExposure(f: PriorityFacts): boolean {
  return f.kind === 'host' && typeof f.ruleId === 'string' && f.ruleId.startsWith('exposure/');
}
