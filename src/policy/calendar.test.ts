import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calendarOf, isTimeZone } from './calendar.ts';
import { parsePolicy } from './policy.ts';
import { EntenteError } from '../errors.ts';

const at = (iso: string): Date => new Date(iso);

test("an instant falls on its day in the organisation's zone, changing at local midnight", () => {
  const berlin = calendarOf('Europe/Berlin');
  assert.equal(berlin.dayOf(at('2026-12-20T22:59:59.999Z')), '2026-12-20', 'one millisecond before midnight in Berlin');
  assert.equal(berlin.dayOf(at('2026-12-20T23:00:00.000Z')), '2026-12-21', 'midnight in Berlin, still the 20th in UTC');
  const newYork = calendarOf('America/New_York');
  assert.equal(newYork.dayOf(at('2026-12-21T04:59:59.999Z')), '2026-12-20');
  assert.equal(newYork.dayOf(at('2026-12-21T05:00:00.000Z')), '2026-12-21');
  assert.equal(calendarOf('UTC').dayOf('2026-12-20T23:59:59.999Z'), '2026-12-20');
});

test('a day ends at its last millisecond, also on the short and the long day of daylight-saving time', () => {
  const berlin = calendarOf('Europe/Berlin');
  assert.equal(berlin.endOf('2026-12-21').toISOString(), '2026-12-21T22:59:59.999Z');
  // 29 March 2026 has 23 hours in Berlin, 25 October 26.
  assert.equal(berlin.startOf('2026-03-29').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(berlin.endOf('2026-03-29').toISOString(), '2026-03-29T21:59:59.999Z');
  assert.equal(berlin.startOf('2026-10-25').toISOString(), '2026-10-24T22:00:00.000Z');
  assert.equal(berlin.endOf('2026-10-25').toISOString(), '2026-10-25T22:59:59.999Z');
  // In Santiago the clocks go from 00:00 to 01:00 on 6 September 2026: that day starts at 01:00 local.
  const santiago = calendarOf('America/Santiago');
  const start = santiago.startOf('2026-09-06');
  assert.equal(santiago.dayOf(start), '2026-09-06');
  assert.equal(santiago.dayOf(new Date(start.getTime() - 1)), '2026-09-05');
});

test('"in N days" counts calendar days, so a daylight-saving change near midnight does not move the date', () => {
  const newYork = calendarOf('America/New_York');
  // 23:30 on Saturday 7 March 2026 in New York; the clocks go forward that night. Seven days of 24 hours would land
  // at 00:30 on 15 March, a day late; seven calendar days is Saturday 14 March, all of it.
  const lateSaturday = at('2026-03-08T04:30:00Z');
  assert.equal(newYork.dayOf(lateSaturday), '2026-03-07');
  const due = newYork.dueIn(lateSaturday, 7);
  assert.equal(newYork.dayOf(due), '2026-03-14');
  assert.equal(due.toISOString(), '2026-03-15T03:59:59.999Z');
  assert.equal(
    newYork.dayOf(new Date(lateSaturday.getTime() + 7 * 86_400_000)),
    '2026-03-15',
    'what 24-hour days gave',
  );
});

test('days until a date are counted between days, not hours: on the 19th the 21st is two days away whatever the time', () => {
  const utc = calendarOf('UTC');
  const due = utc.dueIn(at('2026-11-21T09:00:00Z'), 30);
  assert.equal(utc.dayOf(due), '2026-12-21');
  for (const now of ['2026-12-19T00:00:00Z', '2026-12-19T15:00:00Z', '2026-12-19T23:59:59Z'])
    assert.equal(utc.daysUntil(at(now), due), 2, now);
  assert.equal(utc.daysUntil(at('2026-12-21T23:59:59Z'), due), 0);
  assert.equal(utc.daysUntil(at('2026-12-22T00:00:00Z'), due), -1);
  assert.equal(utc.daysBetween('2026-12-31', '2027-01-01'), 1);
  assert.equal(utc.addDays('2027-02-27', 2), '2027-03-01');
});

test('the time zone is an IANA name: the policy refuses anything else with the field and what to write', () => {
  assert.ok(isTimeZone('Europe/Berlin'));
  assert.ok(isTimeZone('UTC'));
  assert.ok(isTimeZone('America/Argentina/Buenos_Aires'));
  for (const bad of ['Europe/Berln', '+01:00', 'GMT+1 ', '', 'Mars/Olympus']) assert.equal(isTimeZone(bad), false, bad);
  assert.equal(parsePolicy('time_zone: Europe/Berlin', 'policy.yaml').time_zone, 'Europe/Berlin');
  assert.equal(parsePolicy('sla: { act: 3 }', 'policy.yaml').time_zone, 'UTC');
  assert.throws(
    () => parsePolicy('time_zone: Europe/Berln', 'policy.yaml'),
    (e: unknown) =>
      e instanceof EntenteError
      && e.code === 'bad_input'
      && e.message
        === 'policy.yaml: time_zone: "Europe/Berln" is not a time zone we know; use an IANA name such as UTC, Europe/Berlin or America/New_York',
  );
  assert.throws(() => parsePolicy('time_zone: 1', 'policy.yaml'), /time_zone/);
  assert.throws(() => calendarOf('+01:00'), /time_zone: "\+01:00" is not a time zone we know/);
});
