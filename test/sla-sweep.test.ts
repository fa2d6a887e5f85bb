import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from './support/engines.ts';
import { trivy } from './support/reports.ts';
import { sweepFindingsSla } from '../src/findings/sla-sweep.ts';
import { notifySlaReminders } from '../src/notifications/finding-events.ts';
import { runDueJobs } from '../src/jobs/runner.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

// Critical and reachable without privileges: on an internet-facing criticality-4 service that is attend (due in 30 days).
const remote = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
let n = 0;
const cve = (): string => `CVE-2031-${String(40_000 + ++n)}`;

describeEachEngine('the SLA sweep', (env) => {
  test('a team hears once when an attend finding is due soon and once when it is overdue; track items stay quiet', async () => {
    const e = env();
    const { service, team } = await e.makeService();
    const urgent = cve();
    await e.importText(
      service,
      'trivy.json',
      trivy([
        { cve: urgent, pkg: 'left-pad', version: '1.0.0', severity: 'CRITICAL', vector: remote },
        { cve: cve(), pkg: 'is-odd', version: '0.1.0', severity: 'LOW' },
      ]),
    );
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now };
    const mine = (r: Awaited<ReturnType<typeof sweepFindingsSla>>) => r.reminders.filter((x) => x.team === team);
    assert.deepEqual(mine(await sweepFindingsSla(deps, notifySlaReminders)), [], 'nothing is due yet');

    e.clock.advanceDays(28);
    const soon = mine(await sweepFindingsSla(deps, notifySlaReminders));
    assert.equal(soon.length, 1);
    assert.equal(soon[0]!.kind, 'due_soon');
    assert.match(
      soon[0]!.message,
      new RegExp(`^A reminder for ${team}: #\\d+ .*left-pad.* \\(priority attend\\) is due in 2 days`),
    );
    assert.equal(checkTone(soon[0]!.message, rulesFor(undefined)).ok, true, soon[0]!.message);
    assert.deepEqual(
      mine(await sweepFindingsSla(deps, notifySlaReminders)),
      [],
      'a reminder is sent once per due date',
    );

    e.clock.advanceDays(3);
    const late = mine(await sweepFindingsSla(deps, notifySlaReminders));
    assert.equal(late.length, 1);
    assert.equal(late[0]!.kind, 'overdue');
    assert.match(late[0]!.message, /passed its due date, \d{4}-\d{2}-\d{2}, 1 day ago/);
    assert.deepEqual(mine(await sweepFindingsSla(deps, notifySlaReminders)), []);
    const audit = await e.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'entity_id'])
      .where('action', 'in', ['finding.due_soon', 'finding.overdue'])
      .where('entity_id', '=', String(late[0]!.findingId))
      .execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['finding.due_soon', 'finding.overdue']);
  });

  test('a finding that is fixed and comes back has a new due date, and its reminders start again', async () => {
    const e = env();
    const { service, team } = await e.makeService();
    const report = trivy([{ cve: cve(), pkg: 'qs', version: '6.0.0', severity: 'CRITICAL', vector: remote }]);
    await e.importText(service, 'trivy.json', report);
    const deps = { db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now };
    e.clock.advanceDays(31);
    assert.equal(
      (await sweepFindingsSla(deps, notifySlaReminders)).reminders.filter(
        (r) => r.team === team && r.kind === 'overdue',
      ).length,
      1,
    );
    await e.importText(service, 'trivy.json', trivy([]));
    e.clock.advanceDays(1);
    const back = await e.importText(service, 'trivy.json', report);
    assert.equal(back.reopened, 1);
    assert.deepEqual(
      (await sweepFindingsSla(deps, notifySlaReminders)).reminders.filter((r) => r.team === team),
      [],
      'the new due date is a month away',
    );
    e.clock.advanceDays(30);
    const dueDay = (await sweepFindingsSla(deps, notifySlaReminders)).reminders.filter((r) => r.team === team);
    assert.deepEqual(
      dueDay.map((r) => r.kind),
      ['due_soon'],
    );
    assert.match(dueDay[0]!.message, /is due today, on \d{4}-\d{2}-\d{2}/, 'thirty days on, it is the due day itself');
    e.clock.advanceDays(1);
    const again = (await sweepFindingsSla(deps, notifySlaReminders)).reminders.filter((r) => r.team === team);
    assert.deepEqual(
      again.map((r) => r.kind),
      ['overdue'],
    );
  });

  test('the job runner runs the SLA sweep with the other jobs', async () => {
    const e = env();
    const runs = await runDueJobs({ db: e.ctx.database.db, policy: e.ctx.policy, now: e.ctx.now }, defaultJobs);
    const sla = runs.find((r) => r.name === 'sla-sweep');
    assert.ok(sla, `jobs that ran: ${runs.map((r) => r.name).join(', ')}`);
    assert.equal(sla.ok, true, sla.error);
  });
});
