import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine, type TestEnv } from './support/engines.ts';
import { kev, sarif, trivy } from './support/reports.ts';
import { importFeed } from '../src/feeds/feed-service.ts';
import { addToReview, closeReview, getReview, newReview, type ReviewView } from '../src/reviews/reviews-service.ts';
import { renderReview } from '../src/reviews/review-formats.ts';
import { listCommitments, verifyCommitment } from '../src/commitments/commitments-service.ts';
import { localAdmin } from '../src/people/tokens.ts';
import { parseOrgFile } from '../src/people/org-file.ts';
import { applyOrg } from '../src/people/org-service.ts';
import { EntenteError } from '../src/errors.ts';
import { checkTone } from '../src/voice/check-tone.ts';
import { rulesFor } from '../src/voice/voice-config.ts';

const deps = (e: TestEnv) => ({ db: e.ctx.database.db, now: e.ctx.now, policy: e.ctx.policy });
const hours = (e: TestEnv, n: number) => {
  e.clock.now = new Date(e.clock.now.getTime() + n * 3_600_000);
};
const section = (v: ReviewView, id: string) => v.agenda.sections.find((s) => s.id === id)!;
const texts = (v: ReviewView, id: string) =>
  section(v, id)
    .items.map((i) => i.text)
    .join('\n');

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof EntenteError && e.code === code && message.test(e.message));
}

/**
 * A team with three kinds of findings: a KEV-listed dependency (act), cross-site scripting in three files (attend,
 * CWE-79) and a lint note (track, "prefer const"); one XSS is then fixed by Ana through the API and one is fixed by the
 * next scan while assigned to Raj.
 */
async function world(e: TestEnv) {
  const [ana, raj] = [`${e.uniq('ana')}@example.com`, `${e.uniq('raj')}@example.com`];
  const { team, service } = await e.makeService({ members: [ana, raj], lead: ana });
  const cve = `CVE-2026-${10_000 + (process.pid % 50_000)}`;
  await importFeed(
    { db: e.ctx.database.db, policy: e.ctx.policy, now: () => e.clock.now },
    'kev.json',
    Buffer.from(kev([cve])),
    'test',
  );
  await e.importText(service, 'trivy.json', trivy([{ cve, pkg: 'log4j-core', version: '2.14.1' }]));
  const xss = (files: string[]) =>
    sarif(
      'CodeQL',
      files.map((file) => ({ rule: 'js/reflected-xss', file, line: 7, cwe: 79 })),
    );
  await e.importText(service, 'codeql.sarif', xss(['a.ts', 'b.ts', 'c.ts', 'd.ts']));
  await e.importText(
    service,
    'lint.sarif',
    sarif('Lint', [
      { rule: 'prefer-const', file: 'app/x.js', line: 4, level: 'note', message: 'prefer const in app/x.js' },
    ]),
  );
  const db = e.ctx.database.db;
  const byFile = async (file: string) =>
    await db
      .selectFrom('findings')
      .select(['id', 'title'])
      .where('file_path', '=', file)
      .where(
        'service_id',
        '=',
        (await db.selectFrom('services').select('id').where('name', '=', service).executeTakeFirstOrThrow()).id,
      )
      .executeTakeFirstOrThrow();
  const track = await byFile('app/x.js');
  const [fixedByAna, fixedByScan] = [await byFile('a.ts'), await byFile('b.ts')];
  hours(e, 1);
  const anaToken = await e.token('engineer', ana);
  const patch = async (id: number, json: unknown) =>
    assert.equal((await e.call('PATCH', `/api/findings/${id}`, { token: anaToken, json })).status, 200);
  await patch(fixedByScan.id, { assignee: raj });
  await patch(fixedByAna.id, { status: 'fixed', comment: 'Escaped the output.' });
  hours(e, 1);
  await e.importText(service, 'codeql.sarif', xss(['c.ts', 'd.ts']));
  hours(e, 1);
  return { team, service, ana, raj, cve, track, fixedByAna, fixedByScan, anaToken };
}

describeEachEngine('review meetings', (env) => {
  test('the agenda opens with wins and thanks by name, then lists what is new, due and frequent, in order, and never a track finding', async () => {
    const e = env();
    const w = await world(e);
    const v = await newReview(deps(e), localAdmin, { cadence: 'weekly', team: w.team });
    assert.deepEqual(
      v.agenda.sections.map((s) => s.id),
      ['wins', 'actions', 'new', 'due', 'ending', 'waiting', 'goals', 'weakness'],
    );
    // Wins: both fixed XSS findings, each with who closed it (the audit log for Ana, the assignee for the scan's fix).
    const wins = section(v, 'wins');
    assert.equal(wins.count, 2, texts(v, 'wins'));
    assert.match(texts(v, 'wins'), new RegExp(`#${w.fixedByAna.id} .*thanks to ${w.ana}`));
    assert.match(texts(v, 'wins'), new RegExp(`#${w.fixedByScan.id} .*thanks to ${w.raj}`));
    assert.deepEqual([...v.agenda.thanks].sort(), [w.ana, w.raj].sort());
    assert.match(wins.intro, /^Thank you, .*: since \d{4}-\d{2}-\d{2} we fixed 2 findings\.$/);
    // New: the KEV-listed dependency (act) and the two XSS findings still open (attend); due: the act one within the week.
    assert.match(texts(v, 'new'), new RegExp(`log4j-core: issue ${w.cve}.*priority act, in CISA's Known Exploited`));
    assert.equal(section(v, 'new').count, 3);
    assert.match(texts(v, 'due'), /log4j-core/);
    // The most frequent weakness among open act/attend findings, with its training topic.
    assert.match(
      section(v, 'weakness').intro,
      /^CWE-79 is behind 2 new findings .* output encoding \(OWASP XSS prevention\)/,
    );
    assert.equal(section(v, 'goals').intro, 'No goal is at risk right now.');
    // The track finding appears nowhere, in any format.
    for (const format of ['markdown', 'html', 'json', 'ics'] as const) {
      const out = renderReview(v, format);
      assert.doesNotMatch(out, /prefer.const|app\/x\.js/i, format);
      assert.doesNotMatch(out, new RegExp(`#${w.track.id}\\b`), format);
    }
    // Markdown: the title, then wins as the second heading; every sentence reads as a partner's.
    const md = renderReview(v, 'markdown');
    const headings = md.split('\n').filter((l) => /^#{1,3} /.test(l));
    assert.match(headings[0]!, /^# Weekly security review for /);
    assert.equal(headings[1], '## Wins this period');
    const rules = rulesFor(undefined);
    for (const s of v.agenda.sections)
      for (const t of [s.intro, ...s.items.map((i) => i.text)]) assert.deepEqual(checkTone(t, rules).flags, [], t);
  });

  test('a team with nothing closed still opens with wins, saying nothing is closed yet', async () => {
    const e = env();
    const { team } = await e.makeService();
    const v = await newReview(deps(e), localAdmin, { cadence: 'monthly', team });
    const md = renderReview(v, 'markdown');
    assert.equal(md.split('\n').filter((l) => l.startsWith('#'))[1], '## Wins this period');
    assert.match(section(v, 'wins').intro, /^Nothing closed yet since /);
    assert.match(section(v, 'weakness').intro, /No weakness stands out/);
    // A first monthly review covers the month before it.
    assert.equal(new Date(v.period.from).getUTCMonth(), (new Date(v.period.to).getUTCMonth() + 11) % 12);
  });

  test('the next review covers the period since the last one, and closing turns action items into commitments it starts with', async () => {
    const e = env();
    const { team, service } = await e.makeService();
    const other = await e.makeService();
    await e.importText(service, 'one.sarif', sarif('CodeQL', [{ rule: 'js/sql', file: 'old.ts', line: 1, cwe: 89 }]));
    hours(e, 1);
    const first = await newReview(deps(e), localAdmin, { cadence: 'weekly', team });
    assert.match(texts(first, 'new'), /old\.ts|Rule js\/sql/);
    await addToReview(deps(e), localAdmin, first.id, {
      attendees: ['Ana'],
      decisions: ['Parameterise every query in checkout.'],
    });
    const due = new Date(e.clock.now.getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
    const closed = await closeReview(deps(e), localAdmin, first.id, {
      attendees: ['Raj'],
      actions: [
        { title: 'Parameterise the search query', team, due },
        { title: 'Review the WAF rules', team: other.team, due },
      ],
    });
    assert.ok(closed.closedAt);
    assert.deepEqual(closed.attendees, ['Ana', 'Raj']);
    assert.deepEqual(
      closed.decisions.map((d) => d.text),
      ['Parameterise every query in checkout.'],
    );
    const made = await listCommitments(deps(e), { source: { type: 'review', id: first.id } });
    assert.deepEqual(
      made.map((c) => [c.title, c.ownerTeam, c.dueDate, c.state]).sort(),
      [
        ['Parameterise the search query', team, due, 'open'],
        ['Review the WAF rules', other.team, due, 'open'],
      ].sort(),
    );
    assert.deepEqual(closed.actions.map((a) => a.commitmentId).sort(), made.map((c) => c.id).sort());
    // Closed once: closing again, or adding to it, is refused and changes nothing.
    await rejects(
      closeReview(deps(e), localAdmin, first.id, { attendees: ['Lee'] }),
      'conflict',
      new RegExp(`review ${first.id} was closed already`),
    );
    await rejects(
      addToReview(deps(e), localAdmin, first.id, { decisions: ['Another.'] }),
      'conflict',
      /closed already/,
    );
    assert.deepEqual((await getReview(deps(e), localAdmin, first.id)).attendees, ['Ana', 'Raj']);

    e.clock.advanceDays(7);
    await e.importText(
      service,
      'two.sarif',
      sarif('CodeQL', [
        { rule: 'js/sql', file: 'old.ts', line: 1, cwe: 89 },
        { rule: 'js/sql', file: 'new.ts', line: 2, cwe: 89 },
      ]),
    );
    hours(e, 1);
    const second = await newReview(deps(e), localAdmin, { cadence: 'weekly', team });
    assert.equal(second.period.from, first.period.to);
    assert.equal(second.agenda.sections[1]!.id, 'actions');
    // Last time's action items, whichever team owns them: the meeting agreed on them.
    assert.match(
      section(second, 'actions').intro,
      new RegExp(`^2 action items from review #${first.id} are still open`),
    );
    assert.match(texts(second, 'actions'), /Parameterise the search query/);
    assert.match(texts(second, 'actions'), new RegExp(`Review the WAF rules: ${other.team}`));
    assert.equal(section(second, 'new').count, 1, 'only what came since the last review');
    assert.match(texts(second, 'new'), /new\.ts|#\d+ Rule js\/sql/);
    assert.doesNotMatch(texts(second, 'new'), new RegExp(`#${section(first, 'new').items[0]!.ref!.id} `));
    assert.match(renderReview(second, 'markdown'), /^# .*\n\n.*\n\n## Wins since last review\n/);

    // Done by the next time: the action item is a win, and no longer open.
    const mine = made.find((c) => c.ownerTeam === team)!;
    hours(e, 1);
    await verifyCommitment(deps(e), localAdmin, mine.id, 'https://git.example.com/checkout/pull/12');
    hours(e, 1);
    const third = await newReview(deps(e), localAdmin, { cadence: 'weekly', team });
    assert.match(
      texts(third, 'wins'),
      new RegExp(`Action item #${mine.id} Parameterise the search query .*in place since`),
    );
    assert.match(section(third, 'wins').intro, /completed 1 action item from last time/);
    assert.match(section(third, 'actions').intro, /no action items from before|is done or no longer needed|still open/);
  });

  test('bad input names what and where, and stores nothing', async () => {
    const e = env();
    const { team } = await e.makeService();
    const count = async () =>
      (
        await e.ctx.database.db
          .selectFrom('reviews')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = Number(await count());
    await rejects(
      newReview(deps(e), localAdmin, { cadence: 'daily', team }),
      'bad_input',
      /^cadence: "daily" is not a cadence; use weekly or monthly/,
    );
    await rejects(
      newReview(deps(e), localAdmin, { cadence: 'weekly', team: 'no-such-team' }),
      'bad_input',
      /^team: no team "no-such-team"/,
    );
    assert.equal(Number(await count()), before);
    const v = await newReview(deps(e), localAdmin, { cadence: 'weekly', team });
    const day = (n: number) => new Date(e.clock.now.getTime() + n * 86_400_000).toISOString().slice(0, 10);
    await rejects(
      closeReview(deps(e), localAdmin, v.id, { actions: [{ title: 'Upgrade', team: 'nobody', due: day(5) }] }),
      'bad_input',
      /^actions\[0\]\.team: no team "nobody"/,
    );
    await rejects(
      closeReview(deps(e), localAdmin, v.id, { actions: [{ title: 'Upgrade', team, due: '2026-02-30' }] }),
      'bad_input',
      /^actions\[0\]\.due: "2026-02-30" is not a date/,
    );
    await rejects(
      closeReview(deps(e), localAdmin, v.id, { actions: [{ title: 'Upgrade', team, due: day(-3) }] }),
      'bad_input',
      /^actions\[0\]\.due: .* has passed/,
    );
    await rejects(closeReview(deps(e), localAdmin, v.id, { attendees: ['  '] }), 'bad_input', /^attendees\[0\]/);
    await rejects(getReview(deps(e), localAdmin, 999_999), 'not_found', /review 999999 does not exist/);
    const after = await getReview(deps(e), localAdmin, v.id);
    assert.equal(after.closedAt, null);
    assert.deepEqual([after.attendees, after.actions], [[], []]);
  });

  test('formats: markdown and html escape what scanners wrote, json is the view, ics is a series invitation that parses', async () => {
    const e = env();
    const { team, service } = await e.makeService();
    await e.importText(
      service,
      'x.sarif',
      sarif('CodeQL', [{ rule: 'js/<img src=x onerror=alert(1)>', file: 'x.ts', line: 1, cwe: 79 }]),
    );
    hours(e, 1);
    const v = await newReview(deps(e), localAdmin, { cadence: 'weekly', team });
    assert.match(
      texts(v, 'new'),
      /<img src=x onerror=alert\(1\)>/,
      'the title is on the agenda as the scanner wrote it',
    );

    const md = renderReview(v, 'markdown');
    assert.match(md, /\\<img src=x onerror=alert\(1\)\\>/);

    const html = renderReview(v, 'html');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /<img|<script|\sstyle=|<style|<[a-z][^>]*\son\w+=/i);
    assert.ok(html.indexOf('<h2>Wins this period</h2>') < html.indexOf('<h2>New this period</h2>'));

    assert.deepEqual(JSON.parse(renderReview(v, 'json')), JSON.parse(JSON.stringify(v)));

    const ics = renderReview(v, 'ics');
    assertCalendar(ics, 'WEEKLY', v.next);
    const monthly = await newReview(deps(e), localAdmin, { cadence: 'monthly', team });
    assertCalendar(renderReview(monthly, 'ics'), 'MONTHLY', monthly.next);
  });

  test("a goal of the team that is off its course is on the agenda under goals at risk, read from the scorecard's goals", async () => {
    const e = env();
    const w = await world(e);
    const sec = e.uniq('security');
    await applyOrg(e.ctx.database.db, parseOrgFile(`teams:\n  - name: ${sec}\n    kind: security\n`, 'test'), {
      prune: false,
      actor: 'test',
      now: e.clock.now,
    });
    const deadline = new Date(e.clock.now.getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
    const goal = await e.call('POST', '/api/goals', {
      token: await e.token('security'),
      json: { metric: 'open-act-attend', team: w.team, owners: [w.team, sec], target: '-30%', deadline },
    });
    assert.equal(goal.status, 201, JSON.stringify(goal.body));
    hours(e, 5 * 24); // past its date, with as many findings open as at the start
    const made = await e.call('POST', '/api/reviews', { token: w.anaToken, json: { cadence: 'weekly', team: w.team } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const goals = made.body.agenda.sections.find((s: { id: string }) => s.id === 'goals');
    assert.equal(goals.items.length, 1, JSON.stringify(goals));
    assert.match(
      goals.items[0].text,
      new RegExp(`open act and attend findings \\(${w.team}\\): missed, 0 % of the way`),
    );
  });

  test('over HTTP: new, list, one in each format, close with action items, and errors as the API reports them', async () => {
    const e = env();
    const lead = `${e.uniq('lead')}@example.com`;
    const { team } = await e.makeService({ members: [lead], lead });
    const token = await e.token('engineer', lead);
    const bad = await e.call('POST', '/api/reviews', { token, json: { cadence: 'fortnightly', team } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /cadence: "fortnightly"/);
    assert.equal(
      (await e.call('POST', '/api/reviews', { token, json: { cadence: 'weekly', team: 'nope' } })).status,
      400,
    );
    const made = await e.call('POST', '/api/reviews', { token, json: { cadence: 'weekly', team } });
    assert.equal(made.status, 201);
    const id = made.body.id as number;
    assert.equal(made.body.agenda.sections[0].id, 'wins');
    const list = await e.call('GET', `/api/reviews?team=${team}`, { token });
    assert.deepEqual(
      list.body.items.map((r: { id: number }) => r.id),
      [id],
    );
    const res = await e.app.request(`/api/reviews/${id}?format=markdown`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.headers.get('content-type'), 'text/markdown; charset=utf-8');
    assert.match(await res.text(), /^# Weekly security review for .*\n[\s\S]*## Wins this period/);
    const ics = await e.app.request(`/api/reviews/${id}?format=ics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ics.headers.get('content-type'), 'text/calendar; charset=utf-8');
    assert.equal((await e.call('GET', `/api/reviews/${id}?format=pdf`, { token })).status, 400);
    const due = new Date(e.clock.now.getTime() + 14 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(
      (
        await e.call('POST', `/api/reviews/${id}/actions`, {
          token,
          json: { actions: [{ title: 'Rotate the API keys', team, due }] },
        })
      ).status,
      200,
    );
    const closed = await e.call('POST', `/api/reviews/${id}/close`, { token, json: { attendees: [lead] } });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.actions[0].state, 'open');
    assert.ok(closed.body.actions[0].commitmentId);
    const again = await e.call('POST', `/api/reviews/${id}/close`, { token });
    assert.equal(again.status, 409);
    // A close with no body at all closes it with what it has.
    const bare = (await e.call('POST', '/api/reviews', { token, json: { cadence: 'weekly', team } })).body.id as number;
    const closedBare = await e.call('POST', `/api/reviews/${bare}/close`, { token });
    assert.equal(closedBare.status, 200, JSON.stringify(closedBare.body));
    assert.ok(closedBare.body.closedAt);
    assert.match(again.body.error.message, new RegExp(`review ${id} was closed already`));
  });
});

/** A small line-based check of an iCalendar file: CRLF lines folded at 75 octets, one VEVENT with its RRULE and DTSTART. */
function assertCalendar(ics: string, freq: 'WEEKLY' | 'MONTHLY', next: string): void {
  assert.ok(ics.endsWith('\r\n'));
  const raw = ics.slice(0, -2).split('\r\n');
  assert.ok(
    raw.every((l) => !l.includes('\n') && !l.includes('\r')),
    'every line ends with CRLF',
  );
  assert.ok(
    raw.every((l) => Buffer.byteLength(l, 'utf8') <= 75),
    `a line is longer than 75 octets: ${raw.find((l) => Buffer.byteLength(l) > 75)}`,
  );
  // Unfold: a line starting with a space continues the one before.
  const lines: string[] = [];
  for (const l of raw)
    if (l.startsWith(' ')) lines[lines.length - 1] += l.slice(1);
    else lines.push(l);
  assert.equal(lines[0], 'BEGIN:VCALENDAR');
  assert.equal(lines.at(-1), 'END:VCALENDAR');
  assert.ok(lines.includes('VERSION:2.0'));
  assert.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, 1);
  assert.equal(lines.filter((l) => l === 'END:VEVENT').length, 1);
  assert.ok(lines.includes(`RRULE:FREQ=${freq}`), lines.join('\n'));
  const start = next.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  assert.ok(lines.includes(`DTSTART:${start}`), `DTSTART:${start} in ${lines.join('\n')}`);
  assert.ok(
    lines.some((l) => l.startsWith('UID:'))
      && lines.some((l) => l.startsWith('DTSTAMP:'))
      && lines.some((l) => /^SUMMARY:(Weekly|Monthly) security review/.test(l)),
  );
  assert.ok(
    lines.some((l) => /^DESCRIPTION:Review #\d+: .*Wins/.test(l)),
    "the description carries the agenda's summary",
  );
}
