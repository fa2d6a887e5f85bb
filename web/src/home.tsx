/**
 * Home: what waits for me (exception and change approvals), what is due this week (or overdue) for my teams, most
 * pressing first, and the open act and attend findings over the last 90 days.
 */
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Commitment, Exception, Finding, FindingsPage, Me, ScorecardTrend } from './api-types.ts';
import { FindingsTable } from './format.tsx';
import { Link, useTitle } from './router.tsx';
import { dayIn, waitsForMe } from './exceptions.tsx';
import { CommitmentState } from './commitments.tsx';
import { changesWaitingForMe, type Change } from './changes.tsx';
import { Trend } from './trend.tsx';

/** The home page. */
export function Home({ me }: { me: Me }) {
  useTitle('Due this week');
  const [items, setItems] = useState<Finding[] | null>(null);
  const [owed, setOwed] = useState<Commitment[] | null>(null);
  const [waiting, setWaiting] = useState<Exception[] | null>(null);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const weekEnd = dayIn(7);
    const fail = (e: unknown): void => setError(e instanceof Error ? e.message : String(e));
    // Sorted by due date: the first page holds everything due within the week unless there are more than 200.
    api<FindingsPage>('/api/findings?sort=due&limit=200')
      .then((p) => setItems(p.items.filter((f) => f.dueDate <= weekEnd)))
      .catch(fail);
    api<{ items: Commitment[] }>('/api/commitments?state=open,missed&limit=500')
      .then((r) => setOwed(r.items.filter((c) => c.dueDate <= weekEnd || c.state === 'missed')))
      .catch(fail);
    api<{ items: Exception[] }>('/api/exceptions?status=requested&limit=500')
      .then((r) => setWaiting(r.items.filter((e) => waitsForMe(e, me))))
      .catch(fail);
    changesWaitingForMe(me).then(setChanges).catch(fail);
  }, [me]);
  const whose = me.role === 'engineer' ? me.teams.join(', ') || 'your teams' : 'every team';
  return (
    <>
      <h1>Due this week</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {((waiting?.length ?? 0) > 0 || (changes?.length ?? 0) > 0) && (
        <section aria-labelledby="waits">
          <h2 id="waits">Waiting for you</h2>
          <ul>
            {waiting?.map((e) => (
              <li key={`e${e.id}`}>
                <Link href="/exceptions">
                  Exception {e.id} for {e.team}
                </Link>
                : {e.findings.length} finding{e.findings.length === 1 ? '' : 's'}, asked by {e.requestedBy}
              </li>
            ))}
            {changes?.map((c) => (
              <li key={`c${c.id}`}>
                <Link href="/changes">
                  Change {c.id} for {c.team}
                </Link>
                : {c.title} ({c.risk} risk), asked by {c.requestedBy}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="due-findings">
        <h2 id="due-findings">Findings</h2>
        <p>
          Open findings of {whose} due in the next seven days or overdue.{' '}
          <Link href="/findings?sort=due">All findings by due date</Link>
        </p>
        {!items && !error && <p aria-live="polite">Loading…</p>}
        {items && items.length === 0 && <p>No finding is due this week.</p>}
        {items && items.length > 0 && <FindingsTable items={items} caption="Due this week" />}
      </section>
      <section aria-labelledby="due-commitments">
        <h2 id="due-commitments">Commitments</h2>
        {owed && owed.length === 0 && <p>No commitment is due this week.</p>}
        {owed && owed.length > 0 && (
          <ul>
            {owed.map((c) => (
              <li key={c.id}>
                <CommitmentState c={c} /> due {c.dueDate}: <Link href="/commitments">{c.title}</Link>{' '}
                <span className="sub">
                  ({c.ownerTeam}
                  {c.service ? `, ${c.service}` : ''})
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <OverTime me={me} />
    </>
  );
}

/** How many days of history Home's chart shows. */
const historyDays = 90;

/**
 * The open findings over the last 90 days, from the scorecard's daily snapshots: one chart per team for an engineer
 * (the teams they work in), the organisation's for everyone else. Counts only; no finding is named.
 */
function OverTime({ me }: { me: Me }) {
  const scopes = me.role === 'engineer' && me.teams.length ? me.teams.slice(0, 3) : [null];
  const [trends, setTrends] = useState<(ScorecardTrend['trend'] | null)[]>(scopes.map(() => null));
  const [error, setError] = useState<string | null>(null);
  const key = scopes.join('\n');
  useEffect(() => {
    const from = dayIn(-historyDays);
    const teams = key.split('\n').map((t) => t || null);
    Promise.all(
      teams.map((team) =>
        api<ScorecardTrend>(`/api/scorecard/trend?from=${from}${team ? `&team=${encodeURIComponent(team)}` : ''}`),
      ),
    )
      .then((cards) => setTrends(cards.map((c) => c.trend)))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [key]);
  return (
    <section aria-labelledby="over-time">
      <h2 id="over-time">Open findings over time</h2>
      <p>
        The last {historyDays} days: all open findings, and those to act on or attend to.{' '}
        <Link href="/scorecard">The scorecard</Link> has the rest.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {scopes.map((team, i) => (
        <div key={team ?? 'org'}>
          {scopes.length > 1 && <h3>{team}</h3>}
          {trends[i] ? <Trend trend={trends[i]!} /> : !error && <p aria-live="polite">Loading…</p>}
        </div>
      ))}
    </section>
  );
}
