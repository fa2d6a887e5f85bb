/**
 * The pure side of exposure: which change covers an open port at a moment, how risky the protocol is where it is
 * open, and the finding a port nobody approved becomes.
 */
import type { ChangesPolicy } from '../changes/change-policy.ts';
import { protocolOfService } from '../changes/risk-check.ts';
import type { PortRange } from '../changes/change-request.ts';
import type { ParsedFinding, Severity } from '../imports/types.ts';
import { exposureMessages } from './exposure-messages.ts';
import { calendarOf, type Calendar } from '../policy/calendar.ts';

/** The tool name exposure findings carry: one run of it per service, so the normal lifecycle fixes and reopens them. */
export const exposureTool = 'Entente exposure';

/** Change states in which an approved change is in force (within its dates). */
export const coveringStates = ['approved', 'approved_with_safeguards', 'implemented', 'recertified'] as const;

/** What a change offers for matching. */
export interface CoveringChange {
  id: number;
  status: string;
  hosts: string[];
  transport: string;
  ports: PortRange[];
  startsAt: Date;
  endsAt: Date | null;
}

/** An open port as stored. */
export interface OpenPort {
  host: string;
  hostnames: string[];
  port: number;
  protocol: string;
  serviceName: string;
  product: string | null;
}

export type Coverage =
  | { covered: true; changeId: number }
  | { covered: false; lapsed: { changeId: number; endedAt: Date } | null };

/** Whether an approved change in force at `now` covers the port; if none does, the latest one whose lease ended. */
export function coverageOf(port: OpenPort, changes: readonly CoveringChange[], now: Date): Coverage {
  const names = new Set([port.host, ...port.hostnames]);
  const fits = changes.filter(
    (c) =>
      c.transport === port.protocol
      && c.hosts.some((h) => names.has(h))
      && c.ports.some((r) => port.port >= r.from && port.port <= r.to),
  );
  const live = fits.find(
    (c) =>
      (coveringStates as readonly string[]).includes(c.status)
      && c.startsAt <= now
      && (c.endsAt === null || c.endsAt > now),
  );
  if (live) return { covered: true, changeId: live.id };
  const ended = fits
    .filter((c) => c.endsAt !== null && c.endsAt <= now)
    .sort((a, b) => b.endsAt!.getTime() - a.endsAt!.getTime())[0];
  return { covered: false, lapsed: ended ? { changeId: ended.id, endedAt: ended.endsAt! } : null };
}

/** The protocol key an open port stands for: nmap's service name, else the usual protocol of its port number. */
function protocolOfPort(policy: ChangesPolicy, port: Pick<OpenPort, 'serviceName' | 'port'>): string | undefined {
  const name = port.serviceName.replace(/\?$/, '');
  const byName =
    protocolOfService(policy, name) ?? (name.startsWith('ssl/') ? protocolOfService(policy, name.slice(4)) : undefined);
  if (byName) return byName;
  if (name !== 'unknown' && name !== 'tcpwrapped') return undefined;
  return Object.entries(policy.protocols).find(([, p]) => p.ports.includes(port.port))?.[0];
}

/** How severe an unapproved open port is: databases on an internet-facing service critical, cleartext logins high, … */
function severityOf(classes: readonly string[], internet: boolean): Severity {
  if (classes.includes('database')) return internet ? 'critical' : 'high';
  if (classes.includes('cleartext') && !classes.includes('web')) return 'high';
  if (classes.includes('remote-admin') || classes.includes('file-transfer')) return internet ? 'high' : 'medium';
  if (classes.includes('web')) return 'low';
  return 'medium';
}

/** Why the protocol matters, from the first risk rule about its class (the same words the change risk check uses). */
function whyOf(policy: ChangesPolicy, classes: readonly string[], label: string): string | null {
  const rule = policy.rules.find(
    (r) => r.when.classes?.some((c) => classes.includes(c)) && !r.when.types && r.when.internet_facing === undefined,
  );
  return rule ? rule.reason.replace(/\{protocol\}/g, label) : null;
}

/** The finding for an open port no change covers now (a lease's end worded as a day of `cal`, the organisation's calendar). */
export function exposureFinding(
  policy: ChangesPolicy,
  port: OpenPort,
  service: { name: string; exposure: string },
  lapsed: Coverage & { covered: false },
  cal: Calendar = calendarOf('UTC'),
): ParsedFinding {
  const key = protocolOfPort(policy, port);
  const proto = key ? policy.protocols[key] : undefined;
  const label = proto?.label ?? (port.serviceName === 'unknown' ? 'A service' : port.serviceName.toUpperCase());
  const classes = proto?.classes ?? [];
  const seen = { protocol: label, host: port.host, port: port.port, transport: port.protocol };
  const lapsedWords = lapsed.lapsed
    ? { changeId: lapsed.lapsed.changeId, endedOn: cal.dayOf(lapsed.lapsed.endedAt) }
    : null;
  return {
    tool: exposureTool,
    ruleId: `exposure/${key ?? port.serviceName.replace(/[^a-z0-9/-]/g, '-')}`,
    kind: 'host',
    title: exposureMessages.title.render({ ...seen, lapsed: lapsedWords }),
    description: exposureMessages.description.render({
      ...seen,
      service: service.name,
      why: whyOf(policy, classes, label),
      lapsed: lapsedWords,
      ports: String(port.port),
      protocolKey: key ?? null,
    }),
    severity: severityOf(classes, service.exposure === 'internet'),
    aliases: [],
    cwes: [],
    ...(port.product ? { component: { name: port.product } } : {}),
    location: { host: port.host, port: port.port, protocol: port.protocol },
    detail: {
      service: port.serviceName,
      ...(port.hostnames.length ? { hostnames: port.hostnames } : {}),
      ...(lapsed.lapsed
        ? { leaseEnded: { changeId: lapsed.lapsed.changeId, endedAt: lapsed.lapsed.endedAt.toISOString() } }
        : {}),
      protocolClasses: classes,
    },
  };
}
