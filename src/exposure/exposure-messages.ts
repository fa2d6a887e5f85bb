/**
 * What Entente says about exposure: the finding for a port nobody approved (or whose lease ended), a host no service
 * lists, and the summary of an import. Each says what we saw, why it matters, and the next step.
 */
import { command, placeholder } from '../voice/suggest.ts';
import { count, day, list, template, withVariants } from '../voice/template.ts';
import type { Day } from '../policy/calendar.ts';

/** An open port as the messages name it. */
export interface Seen {
  protocol: string;
  host: string;
  port: number;
  transport: string;
}

const where = (s: Seen): string =>
  `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}${s.transport === 'tcp' ? '' : `/${s.transport}`}`;

const seen: Seen = { protocol: 'FTP', host: '10.1.2.3', port: 21, transport: 'tcp' };
const lapsed = { changeId: 4, endedOn: '2026-03-03' as Day };

/** Exposure messages. */
export const exposureMessages = {
  /** The finding's title: what is open where, and that no change covers it (or that its change ended). */
  title: withVariants(
    template<Seen & { lapsed: { changeId: number; endedOn: Day } | null }>(
      (p) =>
        p.lapsed
          ? `${p.protocol} open on ${where(p)} after change #${p.lapsed.changeId} ended on ${day(p.lapsed.endedOn)}`
          : `${p.protocol} open on ${where(p)} with no approved change`,
      [
        { ...seen, lapsed: null },
        { ...seen, lapsed },
        { protocol: 'DNS', host: '10.1.2.3', port: 53, transport: 'udp', lapsed: null },
      ],
    ),
    { unapproved: (p) => p.lapsed === null, lapsed: (p) => p.lapsed !== null },
  ),

  /** The finding's description: what we saw, why it matters, and the two ways forward. */
  description: withVariants(
    template<
      Seen & {
        service: string;
        why: string | null;
        lapsed: { changeId: number; endedOn: Day } | null;
        ports: string;
        protocolKey: string | null;
      }
    >(
      (p) =>
        [
          `We saw ${p.protocol} answering on ${where(p)}, a host ${p.service} lists, and no approved change covers it now.`,
          p.why ? `It matters because ${p.why}.` : '',
          p.lapsed
            ? `Change #${p.lapsed.changeId} covered it until ${day(p.lapsed.endedOn)}. If it is still needed, let's agree a new change; if not, please close it and confirm with \`${command('change remove', {}, p.lapsed.changeId)}\`.`
            : `If it is meant to be open, let's record it: \`${command('change request', { type: 'firewall', service: p.service, destination: p.host, port: p.ports, transport: p.transport === 'tcp' ? undefined : p.transport, protocol: p.protocolKey, source: placeholder('<who connects>'), end: placeholder('<last day it is needed>'), title: placeholder('"<what it is for>"') })}\` and we suggest the safeguards. If nobody needs it, closing the port marks this fixed at the next scan.`,
        ]
          .filter(Boolean)
          .join(' '),
      [
        {
          ...seen,
          service: 'checkout-api',
          why: 'FTP sends passwords and data in clear text, so anyone on the network path can read them',
          lapsed: null,
          ports: '21',
          protocolKey: 'ftp',
        },
        { ...seen, service: 'checkout-api', why: null, lapsed, ports: '21', protocolKey: null },
      ],
    ),
    {
      unapproved: (p) => p.lapsed === null,
      lapsed: (p) => p.lapsed !== null,
      withWhy: (p) => p.why !== null,
      withoutWhy: (p) => p.why === null,
    },
  ),

  /** A host with open ports that no service lists: how to route it. */
  undeclaredHost: withVariants(
    template<{ host: string; ports: readonly string[] }>(
      (p) =>
        `We saw ${count(p.ports.length, 'open port')} on ${p.host} (${list(p.ports.slice(0, 10))}${p.ports.length > 10 ? ', …' : ''}), and no service lists this host, so we have no team to share ${p.ports.length === 1 ? 'it' : 'them'} with yet. `
        + "Add the host to the owning service's hosts in your organisation file and run `entente org apply`; the next exposure import gives each port to that team.",
      [
        { host: '192.0.2.7', ports: ['21/tcp'] },
        { host: '192.0.2.7', ports: ['21/tcp', '443/tcp', '3389/tcp'] },
      ],
    ),
    { one: (p) => p.ports.length === 1, many: (p) => p.ports.length > 1 },
  ),

  /** One line of the import summary. */
  summary: withVariants(
    template<{ open: number; covered: number; unapproved: number; closed: number; undeclared: number }>(
      (p) =>
        `We saw ${count(p.open, 'open port')}: ${p.covered} covered by an approved change, ${p.unapproved} with none${p.closed ? `; ${p.closed} seen before ${p.closed === 1 ? 'is' : 'are'} closed now` : ''}.`
        + (p.undeclared
          ? ` ${count(p.undeclared, 'host')} no service lists; see below for how to route ${p.undeclared === 1 ? 'it' : 'them'}.`
          : ''),
      [
        { open: 3, covered: 1, unapproved: 2, closed: 0, undeclared: 0 },
        { open: 1, covered: 0, unapproved: 1, closed: 1, undeclared: 1 },
        { open: 4, covered: 4, unapproved: 0, closed: 2, undeclared: 2 },
      ],
    ),
    {
      closed: (p) => p.closed > 0,
      undeclared: (p) => p.undeclared > 0,
      plain: (p) => p.closed === 0 && p.undeclared === 0,
    },
  ),
};
