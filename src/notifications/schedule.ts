/**
 * A person's digest time and quiet hours, read on the wall clock of their time zone (their own, else the
 * organisation's, the policy's): when today's digest is due, and until when an e-mail waits. Times are HH:MM; quiet
 * hours may run over midnight (20:00-07:00).
 */
import { isTimeZone, type Calendar, type Day } from '../policy/calendar.ts';
import { badInput } from '../errors.ts';

/** What a person chose (no row: digest at 08:00, no quiet hours, the organisation's time zone). */
export interface Schedule {
  digestTime: string;
  quiet: { from: string; to: string } | null;
  /** An IANA time zone; null: the organisation's. */
  timeZone: string | null;
}

export const defaultSchedule: Schedule = { digestTime: '08:00', quiet: null, timeZone: null };

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of an HH:MM time. */
const minutesOf = (t: string): number => {
  const m = hhmm.exec(t)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Checks an HH:MM time as a person typed it (`field` names where). */
export function parseTime(value: unknown, field: string): string {
  const v = typeof value === 'string' ? value.trim() : '';
  const m = /^(\d{1,2}):(\d{2})$/.exec(v);
  const t = m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : '';
  if (!hhmm.test(t))
    throw badInput(`${field}: "${String(value)}" is not a time of day; write it as HH:MM, e.g. 08:00 or 20:30`, {
      field,
    });
  return t;
}

/** Checks quiet hours as typed: "HH:MM-HH:MM", or "off" (null) to have none. */
export function parseQuiet(value: unknown, field = 'quiet'): Schedule['quiet'] {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'off') return null;
  const parts = typeof value === 'string' ? value.split(/\s*[-–]\s*/) : [];
  if (parts.length !== 2)
    throw badInput(`${field}: "${String(value)}" is not a span of hours; write HH:MM-HH:MM, e.g. 20:00-07:00, or off`, {
      field,
    });
  const from = parseTime(parts[0], field);
  const to = parseTime(parts[1], field);
  if (from === to)
    throw badInput(`${field}: quiet hours from ${from} to ${to} are empty; give two different times, or off`, {
      field,
    });
  return { from, to };
}

/**
 * Checks a time zone as a person typed it: an IANA name (Asia/Singapore), stored as Intl spells it; "" or "default"
 * (or null) is null, the organisation's zone. Offsets such as +08:00 are refused: they ignore daylight-saving time.
 */
export function parseTimeZone(value: unknown, field = 'timeZone'): string | null {
  if (value === null) return null;
  const v = typeof value === 'string' ? value.trim() : '';
  if (typeof value === 'string' && (v === '' || v.toLowerCase() === 'default')) return null;
  if (!isTimeZone(v))
    throw badInput(
      `${field}: "${String(value)}" is not a time zone we know; use an IANA name such as Asia/Singapore or America/Los_Angeles, or default for the organisation's`,
      { field },
    );
  return new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
}

/** The zone a person's times are read in: their own, else the organisation's. */
export const zoneOf = (s: Schedule, org: Calendar): string => s.timeZone ?? org.zone;

const minuteMs = 60_000;
const dayMs = 86_400_000;
const clocks = new Map<string, Intl.DateTimeFormat>();

// The wall clock in `zone` at instant `t`, to the minute, read as if it were UTC (2026-03-08 02:30 there is
// Date.UTC(2026, 2, 8, 2, 30)): comparing wall clocks, not instants, is what keeps a daylight-saving day right.
function wallOf(zone: string, t: number): number {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    clocks.set(zone, clock);
  }
  const p = Object.fromEntries(clock.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
}

const dayOfWall = (w: number): Day => new Date(w).toISOString().slice(0, 10) as Day;
const minutesOfWall = (w: number): number => Math.floor((w % dayMs) / minuteMs);

/**
 * The first instant after `after` at which the wall clock in `zone` reads `time` on `day`, or later. When the clocks
 * go back and the time comes twice, the first after `after`; when they go forward over it, the moment they change.
 */
function instantOf(zone: string, day: Day, time: string, after: Date): Date {
  const w = Date.parse(`${day}T${time}:00Z`);
  // The zone's offsets a day either side: one when no change is near, the two around a change otherwise.
  const candidates = [w - dayMs, w + dayMs].map((t) => w - (wallOf(zone, t) - t));
  const exact = candidates.filter((t) => wallOf(zone, t) === w && t > after.getTime());
  if (exact.length) return new Date(Math.min(...exact));
  // Skipped by a change: the first minute whose wall clock is past it (the clock only moves forward in between).
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates, after.getTime() + minuteMs);
  while (hi - lo > minuteMs) {
    const mid = lo + Math.floor((hi - lo) / 2 / minuteMs) * minuteMs;
    if (wallOf(zone, mid) >= w && mid > after.getTime()) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The person's local day and minutes after their local midnight at `now`. */
function localOf(s: Schedule, org: Calendar, now: Date): { day: Day; minutes: number } {
  const w = wallOf(zoneOf(s, org), now.getTime());
  return { day: dayOfWall(w), minutes: minutesOfWall(w) };
}

/** When the person's quiet hours end, if `now` falls within them on their clock; null otherwise. */
export function quietUntil(s: Schedule, org: Calendar, now: Date): Date | null {
  if (!s.quiet) return null;
  const { day, minutes: m } = localOf(s, org, now);
  const from = minutesOf(s.quiet.from);
  const to = minutesOf(s.quiet.to);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + dayMs).toISOString().slice(0, 10) as Day;
  const ends = from < to ? (m >= from && m < to ? day : null) : m >= from ? next : m < to ? day : null;
  return ends === null ? null : instantOf(zoneOf(s, org), ends, s.quiet.to, now);
}

/**
 * The person's local day, once their digest time has come on it (null before). Read on the wall clock: a day the
 * clocks go forward over the digest time has its digest when they change, a day they go back has it the first time
 * the clock shows it (the day in the digest's key keeps it to one).
 */
export function digestDay(s: Schedule, org: Calendar, now: Date): Day | null {
  const { day, minutes } = localOf(s, org, now);
  return minutes >= minutesOf(s.digestTime) ? day : null;
}

/** A stored row as a Schedule. */
export function scheduleOf(
  row:
    | { digest_time: string; quiet_from: string | null; quiet_to: string | null; time_zone: string | null }
    | undefined,
): Schedule {
  if (!row) return defaultSchedule;
  return {
    digestTime: row.digest_time,
    quiet: row.quiet_from && row.quiet_to ? { from: row.quiet_from, to: row.quiet_to } : null,
    timeZone: row.time_zone,
  };
}
