// Missed commitments and recertification reach people through the outbox: the jobs as `entente serve` runs them, with a
// clock past the date; each person's preference routes the rows; a second run writes nothing; the texts pass the tone
// check; and both events are listed and settable like the others, by the API and the CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describeEachEngine, engines, type TestEnv } from './support/engines.ts';
import { cliWorld, entente } from './support/cli.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { reprioritiseServiceWith } from '../src/findings/reprioritise.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { defaultJobs } from '../src/jobs/jobs.ts';
import { createCommitment } from '../src/commitments/commitments-service.ts';
import { notifyMissedCommitments } from '../src/commitments/missed-reminders.ts';
import { defaultPolicy } from '../src/policy/policy.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

const day = 86_400_000;

/** A team (engineer, lead, IT person), a security team, a service with a host; each person's token and the team's id. */
async function world(e: TestEnv) {
  const [eng, lead, it, sec] = ['eng', 'lead', 'it', 'sec'].map((p) => `${e.uniq(p)}@example.com`) as [
    string,
    string,
    string,
    string,
  ];
  const team = e.uniq('team');
  const security = e.uniq('security');
  const service = e.uniq('svc');
  const host = `10.7.${process.pid % 200}.${Math.floor(Math.random() * 250) + 1}`;
  const yaml =
    `teams:\n  - name: ${team}\n    kind: engineering\n    lead: ${lead}\n    members: [${eng}, ${lead}, ${it}]\n  - name: ${security}\n    kind: security\n    members: [${sec}]\n`
    + `services:\n  - name: ${service}\n    owner: ${team}\n    criticality: 3\n    exposure: internet\n    data: confidential\n    hosts: [${host}]\n`;
  await applyOrg(e.ctx.database.db, parseOrgFile(yaml, 'org'), {
    prune: false,
    actor: 'test',
    now: e.clock.now,
    reprioritise: reprioritiseServiceWith(e.ctx.policy),
  });
  const ids = async (table: 'teams' | 'services', name: string) =>
    (await e.ctx.database.db.selectFrom(table).select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  return {
    team,
    security,
    service,
    host,
    teamId: await ids('teams', team),
    serviceId: await ids('services', service),
    people: { eng, lead, it, sec },
    tokens: {
      eng: await e.token('engineer', eng),
      lead: await e.token('engineer', lead),
      it: await e.token('engineer', it),
      sec: await e.token('security', sec),
    },
  };
}

const job = (name: string) => {
  const j = defaultJobs.find((x) => x.name === name);
  assert.ok(j, `the job ${name} is scheduled`);
  return j;
};

describeEachEngine('reminders of missed commitments and recertification', (env) => {
  const jobDeps = (e: TestEnv) => ({ db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now });
  /** The rows of an event about one thing, for these people only (tests share the database: other tests' Security). */
  const rows = (e: TestEnv, event: string, entityId: number, people: readonly string[]) =>
    e.ctx.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('event', '=', event)
      .where('entity_id', '=', String(entityId))
      .where('recipient_email', 'in', [...people])
      .orderBy('id')
      .execute();
  const routed = (rs: { recipient_email: string | null; channel: string }[]) =>
    rs.map((r) => `${r.recipient_email} ${r.channel}`).sort();
  const setPref = async (e: TestEnv, token: string, event: string, channel: string) => {
    const r = await e.call('PUT', '/api/notifications/prefs', { token, json: { event, channel } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.prefs.find((p: { event: string }) => p.event === event).channel, channel);
  };
  const tone = (texts: readonly string[]) => {
    for (const t of texts) assert.deepEqual(checkTone(t, rulesFor(undefined)).flags, [], t);
  };

  test('a missed commitment: its team hears once, Security too for a gate control, routed by preference; the release is held', async () => {
    const e = env();
    e.clock.now = new Date('2026-06-01T09:00:00Z');
    const w = await world(e);
    const { eng, lead, it, sec } = w.people;
    const everyone = [eng, lead, it, sec];

    // Both new events are listed with the others, with their defaults, and set like them.
    const prefs = (await e.call('GET', '/api/notifications/prefs', { token: w.tokens.eng })).body.prefs as {
      event: string;
      label: string;
      channel: string;
      isDefault: boolean;
    }[];
    assert.deepEqual(
      prefs.filter((p) => p.event === 'commitment.missed' || p.event === 'change.recertification_due'),
      [
        {
          event: 'change.recertification_due',
          label: 'long-lived access of your team is due for recertification',
          channel: 'digest',
          isDefault: true,
        },
        {
          event: 'commitment.missed',
          label: 'a commitment of your team passed its date without being shown done',
          channel: 'email',
          isDefault: true,
        },
      ],
    );
    await setPref(e, w.tokens.eng, 'commitment.missed', 'none');
    await setPref(e, w.tokens.lead, 'commitment.missed', 'digest');

    const deps = { db: e.ctx.database.db, now: () => e.clock.now, policy: e.ctx.policy };
    const gateControl = await createCommitment(deps, 'test', {
      kind: 'control',
      controlId: 'waf-virtual-patch',
      title: 'A WAF rule (virtual patch) in front of the affected path',
      ownerTeamId: w.teamId,
      serviceId: w.serviceId,
      dueAt: new Date('2026-06-05T12:00:00Z'),
      verification: { method: 'evidence', detail: 'a link to the rule' },
      source: { type: 'gate', id: 40 },
    });
    const reviewAction = await createCommitment(deps, 'test', {
      kind: 'action',
      title: 'Rotate the shared deploy key',
      ownerTeamId: w.teamId,
      dueAt: new Date('2026-06-05T12:00:00Z'),
      verification: { method: 'evidence', detail: 'the new key in the vault' },
      source: { type: 'review', id: 5 },
    });

    // Not yet due: the sweep marks nothing and writes nothing.
    await job('commitments-sweep').run(jobDeps(e));
    assert.deepEqual(await rows(e, 'commitment.missed', gateControl.id, everyone), []);

    e.clock.now = new Date('2026-06-06T09:00:00Z');
    const swept = (await job('commitments-sweep').run(jobDeps(e))) as { missed: number[] };
    assert.ok(swept.missed.includes(gateControl.id) && swept.missed.includes(reviewAction.id), JSON.stringify(swept));

    const gateRows = await rows(e, 'commitment.missed', gateControl.id, everyone);
    assert.deepEqual(
      routed(gateRows),
      [`${it} email`, `${lead} digest`, `${sec} email`].sort(),
      'the team (eng turned it off, the lead reads it in the digest) and Security, which agreed to the control',
    );
    const mail = gateRows.find((r) => r.recipient_email === it)!;
    assert.equal(
      mail.subject,
      `Commitment #${gateControl.id} passed its date (2026-06-05) without being shown done: A WAF rule (virtual patch) in front of the affected path`,
    );
    assert.ok(
      mail.body_text.startsWith(
        `${w.team} committed to this for ${w.service} when release gate #40 let a release go with controls: A WAF rule (virtual patch) in front of the affected path, by 2026-06-05.`,
      ),
      mail.body_text,
    );
    for (const said of [
      `Until it is shown done, the next release gate for ${w.service} says no-go.`,
      'Security hears of this too',
      `record it with what shows it (a link to the rule): \`entente commitments verify ${gateControl.id} --evidence WHAT-SHOWS-IT\``,
      'talk with Security about a new date',
      `We sent this to you as a member of ${w.team}.`,
    ])
      assert.ok(mail.body_text.includes(said), `${said} in\n${mail.body_text}`);
    assert.ok(
      gateRows.find((r) => r.recipient_email === sec)!.body_text.includes(`as a member of ${w.security}.`),
      'Security reads why it receives it',
    );

    const reviewRows = await rows(e, 'commitment.missed', reviewAction.id, everyone);
    assert.deepEqual(routed(reviewRows), [`${it} email`, `${lead} digest`].sort(), 'a review action: the team only');
    const reviewText = reviewRows[0]!.body_text;
    assert.ok(reviewText.includes(`It stays on the list of ${w.team} as missed until it is shown done.`), reviewText);
    assert.ok(reviewText.includes('bring a date you can keep to the next review'), reviewText);
    assert.ok(!reviewText.includes('no-go') && !reviewText.includes('Security'), reviewText);
    tone([...gateRows, ...reviewRows].map((r) => r.body_text));

    // A second run writes nothing; neither does writing the same event again.
    const before = (
      await sql<{ n: number }>`select count(*)::int as n from notifications where event = 'commitment.missed'`.execute(
        e.ctx.database.db,
      )
    ).rows[0]!.n;
    assert.deepEqual(await job('commitments-sweep').run(jobDeps(e)), { verified: [], missed: [] });
    assert.equal(await notifyMissedCommitments(e.ctx.database.db, e.ctx.policy, [gateControl.id], e.clock.now), 0);
    const after = (
      await sql<{ n: number }>`select count(*)::int as n from notifications where event = 'commitment.missed'`.execute(
        e.ctx.database.db,
      )
    ).rows[0]!.n;
    assert.equal(after, before);

    // The release is held, as the message said.
    const gate = await e.call('POST', '/api/gates', { token: w.tokens.it, json: { service: w.service, env: 'prod' } });
    assert.equal(gate.body.outcome, 'no_go', JSON.stringify(gate.body));
    assert.ok(JSON.stringify(gate.body.reasons).includes('missed-commitment'), JSON.stringify(gate.body.reasons));

    // Moved to a new date and missed again: a new event. This time the gate's own sweep marks it, and notifies.
    await e.ctx.database.db
      .updateTable('commitments')
      .set({ state: 'open', missed_at: null, due_at: new Date('2026-06-10T12:00:00Z') })
      .where('id', '=', gateControl.id)
      .execute();
    e.clock.now = new Date('2026-06-11T09:00:00Z');
    const again = await e.call('POST', '/api/gates', { token: w.tokens.it, json: { service: w.service, env: 'prod' } });
    assert.equal(again.body.outcome, 'no_go', JSON.stringify(again.body));
    const moved = (await rows(e, 'commitment.missed', gateControl.id, everyone)).filter(
      (r) => !gateRows.some((g) => g.id === r.id),
    );
    assert.deepEqual(routed(moved), [`${it} email`, `${lead} digest`, `${sec} email`].sort());
    assert.match(moved[0]!.subject, /passed its date \(2026-06-10\)/);
  });

  test('a commitment a gate does not count says so: no release held when the policy has no rule for it', async () => {
    const e = env();
    e.clock.now = new Date('2026-07-01T09:00:00Z');
    const w = await world(e);
    const policy = {
      ...defaultPolicy,
      gates: { rules: defaultPolicy.gates.rules.filter((r) => r.id !== 'missed-commitment') },
    };
    const c = await createCommitment({ db: e.ctx.database.db, now: () => e.clock.now, policy }, 'test', {
      kind: 'control',
      controlId: 'extra-monitoring',
      title: 'Extra monitoring and an alert on the affected component',
      ownerTeamId: w.teamId,
      serviceId: w.serviceId,
      dueAt: new Date('2026-07-02T12:00:00Z'),
      verification: { method: 'evidence', detail: 'the alert rule' },
      source: { type: 'exception', id: 7 },
    });
    e.clock.now = new Date('2026-07-03T09:00:00Z');
    await job('commitments-sweep').run({ db: e.ctx.database.db, policy, now: () => e.clock.now });
    const rs = await rows(e, 'commitment.missed', c.id, Object.values(w.people));
    assert.deepEqual(
      routed(rs),
      [`${w.people.eng} email`, `${w.people.lead} email`, `${w.people.it} email`, `${w.people.sec} email`].sort(),
    );
    const text = rs[0]!.body_text;
    assert.ok(text.includes(`as a control of exception #7`), text);
    assert.ok(text.includes(`It stays on the list of ${w.team} as missed`), text);
    assert.ok(!text.includes('no-go'), text);
    tone([text]);
  });

  test('long-lived access due for recertification: the requesting team hears once, in the digest unless they choose', async () => {
    const e = env();
    e.clock.now = new Date('2026-06-01T09:00:00Z');
    const w = await world(e);
    const { eng, lead, it, sec } = w.people;
    const asked = await e.call('POST', '/api/changes', {
      token: w.tokens.it,
      json: {
        type: 'firewall',
        service: w.service,
        title: 'Partner API',
        protocol: 'https',
        destination: [w.host],
        source: ['203.0.113.0/24'],
      },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    for (const t of [w.tokens.lead, w.tokens.sec]) {
      const now = (await e.call('GET', `/api/changes/${asked.body.id}`, { token: t })).body;
      if (now.status !== 'submitted') break;
      await e.call('POST', `/api/changes/${asked.body.id}/approve`, { token: t, json: {} });
    }
    const change = (await e.call('GET', `/api/changes/${asked.body.id}`, { token: w.tokens.it })).body;
    assert.ok(change.recertification, JSON.stringify(change));
    const due = new Date(change.recertification.dueAt);
    await setPref(e, w.tokens.lead, 'change.recertification_due', 'none');
    await setPref(e, w.tokens.eng, 'change.recertification_due', 'email');

    // A day before the due date, within reminder_days.
    e.clock.now = new Date(due.getTime() - day);
    const reminded = (await job('recertification-reminders').run(jobDeps(e))) as { reminded: number[] };
    assert.ok(reminded.reminded.includes(change.id), JSON.stringify(reminded));
    const rs = await rows(e, 'change.recertification_due', change.id, [eng, lead, it, sec]);
    assert.deepEqual(
      routed(rs),
      [`${eng} email`, `${it} digest`].sort(),
      'the lead turned it off; Security is not told',
    );
    const dueDay = new Date(change.recertification.dueAt).toISOString().slice(0, 10);
    assert.equal(rs[0]!.subject, `Access to recertify by ${dueDay}: change #${change.id} Partner API`);
    assert.ok(rs[0]!.body_text.includes(`entente change recertify ${change.id}`), rs[0]!.body_text);
    tone(rs.map((r) => r.body_text));

    const again = (await job('recertification-reminders').run(jobDeps(e))) as { reminded: number[] };
    assert.ok(!again.reminded.includes(change.id));
    assert.equal((await rows(e, 'change.recertification_due', change.id, [eng, lead, it, sec])).length, rs.length);
  });
});

for (const engine of engines) {
  describe(`the new reminders in entente notifications prefs [${engine}]`, () => {
    const world = cliWorld(engine, `reminders-${engine}`);
    test('lists both events with their defaults and sets them like the others', () => {
      writeFileSync(
        join(world.dir, 'org.yaml'),
        'teams:\n  - { name: payments, kind: engineering, members: [raj@example.com] }\n',
      );
      assert.equal(entente(world.env, 'org', 'apply', join(world.dir, 'org.yaml')).code, 0);
      const listed = entente(world.env, 'notifications', 'prefs', '--email', 'raj@example.com');
      assert.equal(listed.code, 0, listed.err);
      const lines = listed.out.split('\n').filter((l) => /^ {2}[a-z]+\.[a-z_]+ /.test(l));
      assert.ok(
        lines.some((l) => /^ {2}commitment\.missed +email \(default\) +a commitment of your team passed/.test(l)),
      );
      assert.ok(lines.some((l) => /^ {2}change\.recertification_due digest \(default\) +long-lived access/.test(l)));
      assert.equal(new Set(lines.map((l) => l.search(/ (email|digest|none)/))).size, 1, `one column:\n${listed.out}`);
      const set = entente(
        world.env,
        'notifications',
        'prefs',
        '--email',
        'raj@example.com',
        '--event',
        'commitment.missed',
        '--channel',
        'none',
        '--json',
      );
      assert.equal(set.code, 0, set.err);
      const prefs = JSON.parse(set.out).prefs as { event: string; channel: string; isDefault: boolean }[];
      assert.deepEqual(
        prefs
          .filter((p) => p.event === 'commitment.missed' || p.event === 'change.recertification_due')
          .map((p) => [p.event, p.channel, p.isDefault]),
        [
          ['change.recertification_due', 'digest', true],
          ['commitment.missed', 'none', false],
        ],
      );
    });
  });
}
