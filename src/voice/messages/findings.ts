/**
 * What Entente tells a team about its findings: a new act/attend finding, a digest of new ones, a due date coming up,
 * a due date passed. Urgent words are for priority act only; every message gives the reason, the date and a next step.
 */
import { command } from '../suggest.ts';
import type { Priority } from '../../findings/vocabulary.ts';
import type { Day } from '../../policy/calendar.ts';
import { count, day, fromToday, list, template, withVariants } from '../template.ts';

/** One finding as a notice names it; `reasons` are its priority's reasons in words (as `decidePriority` explains them). */
export interface FindingNotice {
  team: string;
  id: number;
  title: string;
  service: string;
  priority: Priority;
  reasons: readonly string[];
  /** The day it is due (all of it). */
  due: Day;
}

/** A finding whose due date is close: `daysLeft` calendar days from today (0: due today, 1: tomorrow). */
export interface DueSoon extends FindingNotice {
  daysLeft: number;
}

/** A finding past its due date by `daysOver` calendar days (at least 1: it was due yesterday). */
export interface Overdue extends FindingNotice {
  daysOver: number;
}

/** New act/attend findings of one team from one import. */
export interface NewFindingsDigest {
  team: string;
  service: string;
  act: number;
  attend: number;
  firstDue: Day;
}

const kev = "CVE-2024-3094 is in CISA's Known Exploited Vulnerabilities catalogue: exploitation is active";
const act: FindingNotice = {
  team: 'payments',
  id: 42,
  title: 'xz backdoor in liblzma 5.6.0',
  service: 'checkout-api',
  priority: 'act',
  reasons: [kev, 'checkout-api is internet-facing', 'checkout-api has criticality 4 of 4 (high mission impact)'],
  due: '2026-03-16',
};
const attend: FindingNotice = {
  team: 'payments',
  id: 43,
  title: 'Reflected cross-site scripting in /search',
  service: 'checkout-api',
  priority: 'attend',
  reasons: ['a scanner reached it over the network, so an attack can be automated', 'the scanner rates it high'],
  due: '2026-04-08',
};
const tracked: FindingNotice = {
  team: 'it-ops',
  id: 77,
  title: 'Outdated jQuery 1.12 in the intranet wiki',
  service: 'wiki',
  priority: 'track*',
  reasons: [],
  due: '2026-06-07',
};

const because = (f: FindingNotice): string => (f.reasons.length ? `, because ${list(f.reasons)}` : '');
const ref = (f: FindingNotice): string => `#${f.id} ${f.title} on ${f.service}`;
const exceptionHint = 'an exception with compensating controls (`entente exceptions request`)';

/** Finding messages. */
export const findingMessages = {
  /** A new finding a team should hear about (act or attend). */
  newFinding: withVariants(
    template<FindingNotice>(
      (f) =>
        f.priority === 'act'
          ? `New for ${f.team}: ${ref(f)} is priority act${because(f)}. This one needs acting on now: we'd like it fixed or shielded by ${day(f.due)}. `
            + `If that date does not work, let's agree on ${exceptionHint} together.`
          : `New for ${f.team}: ${ref(f)} is priority ${f.priority}${because(f)}. We'd like it fixed by ${day(f.due)}; `
            + `set it in progress when work starts, and tell us if you need help or a different date.`,
      [act, attend, { ...attend, reasons: [] }],
    ),
    {
      act: (f) => f.priority === 'act',
      'not act': (f) => f.priority !== 'act',
      'no reasons': (f) => f.reasons.length === 0,
    },
  ),

  /** The new act/attend findings of one team after an import, in one message. */
  newFindings: withVariants(
    template<NewFindingsDigest>(
      (d) => {
        const parts = [d.act ? `${d.act} to act on now` : '', d.attend ? `${d.attend} to attend to` : ''].filter(
          Boolean,
        );
        const one = d.act + d.attend === 1;
        return (
          `We found ${count(d.act + d.attend, 'new finding')} for ${d.team} on ${d.service} that ${one ? 'needs' : 'need'} people: ${list(parts)}; ${one ? 'it is' : 'the first is'} due by ${day(d.firstDue)}. `
          + `\`${command('findings', { team: d.team, priority: 'act,attend' })}\` lists them with their reasons; tell us where we can help.`
        );
      },
      [
        { team: 'payments', service: 'checkout-api', act: 1, attend: 3, firstDue: act.due },
        { team: 'payments', service: 'checkout-api', act: 0, attend: 1, firstDue: attend.due },
        { team: 'payments', service: 'checkout-api', act: 2, attend: 0, firstDue: act.due },
      ],
    ),
    {
      'act and attend': (d) => d.act > 0 && d.attend > 0,
      'attend only': (d) => d.act === 0,
      'act only': (d) => d.attend === 0,
      one: (d) => d.act + d.attend === 1,
    },
  ),

  /** A due date is close. */
  dueSoon: withVariants(
    template<DueSoon>(
      (f) =>
        f.priority === 'act'
          ? `Urgent, for ${f.team}: ${ref(f)} is due ${fromToday(f.daysLeft)} (${day(f.due)})${because(f)}. `
            + `If the fix will not make it, let's put a compensating control in place by then; reply here and we will help.`
          : `A reminder for ${f.team}: ${ref(f)} (priority ${f.priority}) is due ${fromToday(f.daysLeft)}, on ${day(f.due)}${because(f)}. `
            + `If the date no longer works, ask for ${exceptionHint}, or tell us what would help.`,
      [
        { ...act, daysLeft: 2 },
        { ...attend, daysLeft: 1 },
        { ...attend, daysLeft: 0 },
        { ...tracked, daysLeft: 7 },
      ],
    ),
    {
      act: (f) => f.priority === 'act',
      'not act': (f) => f.priority !== 'act',
      today: (f) => f.daysLeft === 0,
      tomorrow: (f) => f.daysLeft === 1,
      'no reasons': (f) => f.reasons.length === 0,
    },
  ),

  /** A due date has passed. */
  overdue: withVariants(
    template<Overdue>(
      (f) =>
        f.priority === 'act'
          ? `Urgent, for ${f.team}: ${ref(f)} passed its due date, ${day(f.due)}, ${count(f.daysOver, 'day')} ago${because(f)}. `
            + `Let's agree today on a fix or a compensating control; we can help with either.`
          : `${ref(f)} (priority ${f.priority}) passed its due date, ${day(f.due)}, ${count(f.daysOver, 'day')} ago${because(f)}. `
            + `What would help ${f.team} most: a new fix date we agree on, or ${exceptionHint}? We are happy to plan it together.`,
      [
        { ...act, daysOver: 3 },
        { ...attend, daysOver: 1 },
        { ...tracked, daysOver: 12 },
      ],
    ),
    {
      act: (f) => f.priority === 'act',
      'not act': (f) => f.priority !== 'act',
      'one day': (f) => f.daysOver === 1,
      'no reasons': (f) => f.reasons.length === 0,
    },
  ),

  /** `entente findings` when nothing matches the filters. */
  noneMatch: template<Record<string, never>>(
    () => 'No findings match these filters; nothing is waiting on anyone here.',
    [{}],
  ),
};
