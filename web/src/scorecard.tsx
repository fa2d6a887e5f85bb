/**
 * Scorecard (`/scorecard`, the shared card of the organisation or a team) and joint goals (`/goals`, the same page
 * opened at its goals): open findings by priority with their trend, flow, time to fix, SLA compliance, Security's own
 * service levels, goals at risk and the summary sentences; the goals with progress and forecast, and a form to set one.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Goal, Me, Scorecard, Team } from './api-types.ts';
import { navigate, useLocation, useTitle } from './router.tsx';
import { priorities } from './format.tsx';
import { Trend } from './trend.tsx';

const metrics: Record<string, string> = {
  'open-act-attend': 'open act and attend findings',
  'closed-per-period': 'findings fixed in the last 30 days',
  mttr: 'mean days to fix',
  'sla-compliance': 'per cent fixed by their due date',
  'exposure-unapproved': 'open ports without an approved change',
  'security-response': 'median hours for Security to answer',
};

const levelNames: [keyof Scorecard['securityServiceLevels'], string][] = [
  ['triage', 'Triage of new act findings'],
  ['exceptionAnswer', 'Answer to exception requests'],
  ['changeAnswer', 'Answer to change requests'],
  ['gateReview', 'Review of gate decisions'],
];

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const pct = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 100)}%`);
const num = (n: number | null, unit = ''): string => (n === null ? '—' : `${Math.round(n * 10) / 10}${unit}`);
const statusWords = (s: Goal['status']): string => s.replace(/_/g, ' ');

/** The teams for the pickers (every team; the server refuses what the reader may not see, and says so). */
function useTeams(): Team[] {
  const [teams, setTeams] = useState<Team[]>([]);
  useEffect(() => {
    api<{ items: Team[] }>('/api/teams')
      .then((r) => setTeams(r.items))
      .catch(() => setTeams([]));
  }, []);
  return teams;
}

/** The scorecard page, with the goals below (`/goals` opens the same page at them). */
export function ScorecardPage({ me }: { me: Me }) {
  const { path, query } = useLocation();
  const goalsFirst = path.startsWith('/goals');
  useTitle(goalsFirst ? 'Goals' : 'Scorecard');
  const team = query.get('team') ?? '';
  const teams = useTeams();
  useEffect(() => {
    if (goalsFirst) document.getElementById('s-goals')?.scrollIntoView();
  }, [goalsFirst]);
  return (
    <>
      <h1>Scorecard</h1>
      <form className="filters" aria-label="Whose scorecard" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="sc-team">Team</label>
          <select
            id="sc-team"
            value={team}
            onChange={(e) => navigate(e.target.value ? `${path}?team=${encodeURIComponent(e.target.value)}` : path)}>
            <option value="">the whole organisation</option>
            {teams.map((t) => (
              <option key={t.id} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <Card team={team} />
      <Goals me={me} team={team} teams={teams} />
    </>
  );
}

function Card({ team }: { team: string }) {
  const [card, setCard] = useState<Scorecard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setCard(null);
    api<Scorecard>(`/api/scorecard${team ? `?team=${encodeURIComponent(team)}` : ''}`)
      .then((c) => {
        setCard(c);
        setError(null);
      })
      .catch((e: unknown) => setError(message(e)));
  }, [team]);
  if (error)
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  if (!card) return <p aria-live="polite">Loading…</p>;
  const whose = card.scope.name ?? 'the whole organisation';
  return (
    <>
      <section aria-labelledby="s-summary">
        <h2 id="s-summary">
          In short: {whose}, {card.period.from} to {card.period.to}
        </h2>
        {card.summary.length ? (
          <ul>
            {card.summary.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        ) : (
          <p>Nothing to report for this period yet.</p>
        )}
      </section>
      <div className="two">
        <section aria-labelledby="s-open">
          <h2 id="s-open">Open findings</h2>
          <table>
            <caption>Open findings by priority</caption>
            <thead>
              <tr>
                {priorities.map((p) => (
                  <th key={p} scope="col">
                    {p}
                  </th>
                ))}
                <th scope="col">Total</th>
                <th scope="col">Overdue</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                {priorities.map((p) => (
                  <td key={p}>{card.open[p]}</td>
                ))}
                <td>{card.open.total}</td>
                <td>{card.overdueNow}</td>
              </tr>
            </tbody>
          </table>
          <Trend trend={card.trend} />
        </section>
        <section aria-labelledby="s-flow">
          <h2 id="s-flow">Flow</h2>
          <dl className="facts">
            <dt>New findings</dt>
            <dd>{card.flow.arrivals}</dd>
            <dt>Closed</dt>
            <dd>
              {card.flow.closures} ({card.flow.fixed} fixed)
            </dd>
            <dt>Fixed by their due date</dt>
            <dd>
              {pct(card.slaCompliance.ratio)} ({card.slaCompliance.withinDue} of {card.slaCompliance.closed})
            </dd>
            <dt>Reopened</dt>
            <dd>
              {pct(card.reopenRate.ratio)} ({card.reopenRate.reopened} of {card.reopenRate.closed})
            </dd>
          </dl>
        </section>
      </div>
      <section aria-labelledby="s-fix">
        <h2 id="s-fix">Time to fix</h2>
        <table>
          <caption>Time to fix by priority</caption>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">Fixed</th>
              <th scope="col">Mean days</th>
              <th scope="col">80% within (days)</th>
              <th scope="col">By the due date</th>
            </tr>
          </thead>
          <tbody>
            {priorities.map((p) => {
              const t = card.timeToFix[p];
              return (
                <tr key={p}>
                  <th scope="row">{p}</th>
                  <td>{t.fixed}</td>
                  <td>{num(t.mttrDays)}</td>
                  <td>{num(t.p80Days)}</td>
                  <td>
                    {t.withinDue} of {t.fixed}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="s-levels">
        <h2 id="s-levels">Security&apos;s service levels</h2>
        <p className="hint">What Security owes the teams, against the policy&apos;s targets.</p>
        <table>
          <caption>Security&apos;s service levels</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Target</th>
              <th scope="col">Answered</th>
              <th scope="col">Median</th>
              <th scope="col">Within target</th>
              <th scope="col">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {levelNames.map(([k, name]) => {
              const l = card.securityServiceLevels[k];
              return (
                <tr key={k}>
                  <th scope="row">{name}</th>
                  <td>{l.targetHours} h</td>
                  <td>{l.answered}</td>
                  <td>{num(l.medianHours, ' h')}</td>
                  <td>{pct(l.ratio)}</td>
                  <td>
                    {l.waiting}
                    {l.oldestWaitingHours !== null && (
                      <div className="sub">oldest {num(l.oldestWaitingHours, ' h')}</div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="s-risk">
        <h2 id="s-risk">Goals at risk</h2>
        {card.goalsAtRisk.length ? (
          <ul>
            {card.goalsAtRisk.map((g) => (
              <li key={g.id}>{g.summary}</li>
            ))}
          </ul>
        ) : (
          <p>No goal is at risk.</p>
        )}
      </section>
    </>
  );
}

function Goals({ me, team, teams }: { me: Me; team: string; teams: Team[] }) {
  const [goals, setGoals] = useState<Goal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: Goal[] }>(`/api/goals${team ? `?team=${encodeURIComponent(team)}` : ''}`)
      .then((r) => {
        setGoals(r.items);
        setError(null);
      })
      .catch((e: unknown) => setError(message(e)));
  }, [team]);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="s-goals">
      <h2 id="s-goals">Goals</h2>
      <p className="hint">Joint goals: an engineering or IT team and Security own each one together.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {goals && goals.length === 0 && <p>No goal is set{team ? ` for ${team}` : ''} yet.</p>}
      {goals && goals.length > 0 && (
        <table>
          <caption>Goals, soonest deadline first</caption>
          <thead>
            <tr>
              <th scope="col">Goal</th>
              <th scope="col">Owners</th>
              <th scope="col">Progress</th>
              <th scope="col">Forecast</th>
              <th scope="col">Deadline</th>
            </tr>
          </thead>
          <tbody>
            {goals.map((g) => (
              <tr key={g.id}>
                <td>
                  Goal {g.id}: {g.label} ({g.scope.name ?? 'the organisation'}), target {g.target.text}
                  <div className="sub">
                    set by {g.setBy} on {g.setAt.slice(0, 10)}
                  </div>
                </td>
                <td>{g.owners.join(', ')}</td>
                <td>
                  <progress max={1} value={g.progress} aria-label={`Progress of goal ${g.id}`}>
                    {pct(g.progress)}
                  </progress>
                  <div className="sub">
                    {pct(g.progress)} · from {num(g.baseline)} to {num(g.current)}, aiming at {num(g.target.value)}
                  </div>
                </td>
                <td>
                  <span className={`badge g-${g.status}`}>{statusWords(g.status)}</span>
                  {g.projected !== null && <div className="sub">{num(g.projected)} expected by the deadline</div>}
                  {g.guardrail && !g.guardrail.holds && (
                    <div className="sub">the {g.guardrail.metric.replace('-', ' ')} guardrail does not hold</div>
                  )}
                </td>
                <td>{g.deadline}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {me.role !== 'auditor' && <SetGoal teams={teams} team={team} onSet={load} />}
    </section>
  );
}

function SetGoal({ teams, team, onSet }: { teams: Team[]; team: string; onSet: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const about = String(form.get('team') ?? '');
    const body = {
      metric: String(form.get('metric')),
      ...(about ? { team: about } : { org: true }),
      owners: form.getAll('owners').map(String),
      target: String(form.get('target') ?? '').trim(),
      deadline: String(form.get('deadline') ?? ''),
    };
    setBusy(true);
    setNotice(null);
    setError(null);
    try {
      const g = await api<Goal>('/api/goals', { method: 'POST', json: body });
      setNotice(g.summary);
      onSet();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="filters goal-form" aria-labelledby="s-setgoal">
      <h3 id="s-setgoal" className="full">
        Set a goal
      </h3>
      <div>
        <label htmlFor="g-metric">Metric</label>
        <select id="g-metric" name="metric">
          {Object.entries(metrics).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="g-team">About</label>
        <select id="g-team" name="team" defaultValue={team}>
          <option value="">the whole organisation</option>
          {teams.map((t) => (
            <option key={t.id} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>Owners</legend>
        {teams.map((t) => (
          <label key={t.id} className="inline">
            <input type="checkbox" name="owners" value={t.name} /> {t.name}
          </label>
        ))}
      </fieldset>
      <div>
        <label htmlFor="g-target">Target</label>
        <input id="g-target" name="target" required placeholder="-30%, +20% or 12" maxLength={50} />
      </div>
      <div>
        <label htmlFor="g-deadline">Deadline</label>
        <input id="g-deadline" name="deadline" type="date" required />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Set the goal
        </button>
      </div>
      {error && (
        <p role="alert" className="error full">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" className="full">
          {notice}
        </p>
      )}
    </form>
  );
}
