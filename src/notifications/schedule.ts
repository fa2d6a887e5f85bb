/**
 * A person's digest time and quiet hours, read on the organisation's calendar (the policy's time zone): when today's
 * digest is due, and until when an e-mail waits. Times are HH:MM; quiet hours may run over midnight (20:00-07:00).
 */
import type { Calendar } from '../policy/calendar.ts';
import { badInput } from '../errors.ts';

/** What a person chose (no row: digest at 08:00, no quiet hours). */
export interface Schedule {
  digestTime: string;
  quiet: { from: string; to: string } | null;
}

export const defaultSchedule: Schedule = { digestTime: '08:00', quiet: null };

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

// The instant of an HH:MM on a day: the day's start plus the minutes (on a day the clocks change, an hour off).
const at = (cal: Calendar, day: ReturnType<Calendar['dayOf']>, time: string): Date =>
  new Date(cal.startOf(day).getTime() + minutesOf(time) * 60_000);

/** When the person's quiet hours end, if `now` falls within them; null otherwise. */
export function quietUntil(s: Schedule, cal: Calendar, now: Date): Date | null {
  if (!s.quiet) return null;
  const today = cal.dayOf(now);
  const m = Math.floor((now.getTime() - cal.startOf(today).getTime()) / 60_000);
  const from = minutesOf(s.quiet.from);
  const to = minutesOf(s.quiet.to);
  if (from < to) return m >= from && m < to ? at(cal, today, s.quiet.to) : null;
  if (m >= from) return at(cal, cal.addDays(today, 1), s.quiet.to);
  return m < to ? at(cal, today, s.quiet.to) : null;
}

/** Today's digest time, once it has come (null before it). */
export function digestDay(s: Schedule, cal: Calendar, now: Date): ReturnType<Calendar['dayOf']> | null {
  const today = cal.dayOf(now);
  return now.getTime() >= at(cal, today, s.digestTime).getTime() ? today : null;
}

/** A stored row as a Schedule. */
export function scheduleOf(
  row: { digest_time: string; quiet_from: string | null; quiet_to: string | null } | undefined,
): Schedule {
  if (!row) return defaultSchedule;
  return {
    digestTime: row.digest_time,
    quiet: row.quiet_from && row.quiet_to ? { from: row.quiet_from, to: row.quiet_to } : null,
  };
}
