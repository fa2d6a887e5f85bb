/** The one rule for days: which day an instant falls on in the organisation's time zone, counting days, and when a day ends. */
import { badInput } from '../errors.ts';

/**
 * A day as people read it, 2026-12-21: a date in the organisation's time zone. "Due D" and "until D" include all of D;
 * a deadline on D is stored as the last millisecond of D there (`endOf`), and is past from the first instant of D + 1.
 */
export type Day = `${number}-${number}-${number}`;

/** `T` as JSON gives it back (the API's schemas say `string` for a day): every `Day` in it a plain string. */
export type PlainDays<T> = T extends Day
  ? string
  : T extends (infer U)[]
    ? PlainDays<U>[]
    : T extends object
      ? { [K in keyof T]: PlainDays<T[K]> }
      : T;

/** Days in the organisation's time zone (the policy's `time_zone`, an IANA name; UTC by default). */
export interface Calendar {
  readonly zone: string;
  /** The day an instant falls on. */
  dayOf(at: Date | string): Day;
  /** The first instant of a day. */
  startOf(day: Day): Date;
  /** The last millisecond of a day: a deadline on that day, which is past from the next instant. */
  endOf(day: Day): Date;
  /** The day `n` calendar days after `day` (before it when negative): whole days, whatever a daylight-saving change does to the hours. */
  addDays(day: Day, n: number): Day;
  /** Calendar days from `from` to `to`: 1 when `to` is the next day, negative when it comes first. */
  daysBetween(from: Day, to: Day): number;
  /** The deadline `n` days after the day of `now` ("in 7 days" from Monday is the end of the next Monday). */
  dueIn(now: Date, n: number): Date;
  /** Days from the day of `now` to the day of `at`: 0 today, 1 tomorrow, -1 yesterday. */
  daysUntil(now: Date, at: Date | string): number;
}

const dayMs = 86_400_000;
const calendars = new Map<string, Calendar>();

/** The calendar of a time zone (one per zone, kept); a name that is not a time zone is bad_input. */
export function calendarOf(zone: string): Calendar {
  let cal = calendars.get(zone);
  if (!cal) {
    if (!isTimeZone(zone)) throw badInput(`time_zone: "${zone}" ${timeZoneHint}`, { field: 'time_zone' });
    cal = makeCalendar(zone.trim());
    calendars.set(zone, cal);
  }
  return cal;
}

/** The calendar of a policy (its `time_zone`). */
export function policyCalendar(policy: { time_zone: string }): Calendar {
  return calendarOf(policy.time_zone);
}

/** What the policy says of a `time_zone` that is not one. */
export const timeZoneHint =
  'is not a time zone we know; use an IANA name such as UTC, Europe/Berlin or America/New_York';

/** Whether a name is an IANA time zone (UTC, Europe/Berlin); offsets such as +01:00 are not, as they ignore daylight-saving time. */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name.trim())) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name.trim() });
    return true;
  } catch {
    return false;
  }
}

function makeCalendar(zone: string): Calendar {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  // The wall-clock time at `t` in the zone, read as if it were UTC; minus `t`, the zone's offset then.
  const wall = (t: number): number => {
    const p = Object.fromEntries(parts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return (
      Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
      + (((t % 1000) + 1000) % 1000)
    );
  };
  const utc = zone === 'UTC' || zone === 'Etc/UTC';
  const dayOf = (at: Date | string): Day => {
    const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
    if (Number.isNaN(t)) throw new TypeError(`not a date: ${String(at)}`);
    return new Date(utc ? t : wall(t)).toISOString().slice(0, 10) as Day;
  };
  const startOf = (day: Day): Date => {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    if (utc) return new Date(midnight);
    // Midnight there is `midnight - offset`, with the offset of that moment; around a daylight-saving change the two
    // offsets of the day give two candidates, and the day starts at the earlier one that falls on it (a day whose
    // midnight is skipped starts at the change itself).
    const first = midnight - (wall(midnight) - midnight);
    const candidates = [first, midnight - (wall(first) - first)].filter((t) => dayOf(new Date(t)) === day);
    if (candidates.length) return new Date(Math.min(...candidates));
    let t = Math.max(first, midnight - (wall(first) - first));
    while (dayOf(new Date(t)) !== day) t += 15 * 60_000;
    return new Date(t);
  };
  const addDays = (day: Day, n: number): Day =>
    new Date(Date.parse(`${day}T00:00:00Z`) + n * dayMs).toISOString().slice(0, 10) as Day;
  const daysBetween = (from: Day, to: Day): number =>
    Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs);
  const endOf = (day: Day): Date => new Date(startOf(addDays(day, 1)).getTime() - 1);
  return {
    zone,
    dayOf,
    startOf,
    endOf,
    addDays,
    daysBetween,
    dueIn: (now, n) => endOf(addDays(dayOf(now), n)),
    daysUntil: (now, at) => daysBetween(dayOf(now), dayOf(at)),
  };
}
