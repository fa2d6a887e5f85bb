/** When a token ends: "90d", a date, an ISO time or "never", read against the moment it is created. */
import { badInput } from '../errors.ts';

/** A token's life when none is asked for: long enough for a quarter's work, short enough that a forgotten one ends. */
export const defaultTokenDays = 90;

const dayMs = 86_400_000;
const maxDays = 3_650;

/**
 * The end of a token made at `now`: undefined gives the default, "never" none, "30d" thirty days, a date such as
 * "2027-03-31" the end of that day (UTC), and an ISO time that moment. Anything else, or a past end, is bad input.
 */
export function expiryOf(text: string | undefined, now: Date): Date | null {
  const value = text?.trim().toLowerCase();
  if (value === undefined || value === '') return new Date(now.getTime() + defaultTokenDays * dayMs);
  if (value === 'never') return null;
  const days = /^(\d{1,5})d$/.exec(value)?.[1];
  if (days !== undefined) {
    const n = Number(days);
    if (n < 1 || n > maxDays) throw badInput(`expires: from 1d to ${maxDays}d ("${text}")`, { field: 'expires' });
    return new Date(now.getTime() + n * dayMs);
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const at = dateOnly
    ? new Date(`${value}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}t/.test(value)
      ? new Date(text!.trim())
      : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw badInput(
      `expires: write a number of days (90d), a date (2027-03-31), an ISO time or "never"; "${text}" is none of them`,
      { field: 'expires' },
    );
  const end = dateOnly ? new Date(at.getTime() + dayMs) : at; // a date is valid through that day
  if (end <= now)
    throw badInput(`expires: ${text} has passed already; give an end in the future`, { field: 'expires' });
  if (end.getTime() - now.getTime() > maxDays * dayMs)
    throw badInput(`expires: at most ${maxDays} days ahead, or "never"`, { field: 'expires' });
  return end;
}
