/**
 * Closing a review from its page (`/reviews/ID`), as `entente review close` does: attendees, decisions and action items
 * (what, owning team, due day), sent in one `POST /api/reviews/ID/close`. The server checks every part and stores all
 * or nothing, so the form sends what was typed and shows the server's sentence when it refuses; each action item comes
 * back as a commitment.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Me, Review, Teams } from './api-types.ts';

/** What the close form needs of a review (the API's Review). */
export type OpenReview = Pick<Review, 'id' | 'team'>;

/** One action item row as typed; `key` keeps React's rows apart when one is removed. */
interface Row {
  key: number;
  title: string;
  team: string;
  due: string;
}

/** The body of POST /api/reviews/ID/close (the route's `extras`). */
interface CloseBody {
  attendees?: string[];
  decisions?: string[];
  actions?: { title: string; team: string; due: string }[];
}

/**
 * Whether the signed-in person may close this review, so the form shows only to those the server would let: Security
 * and admins any, engineers their own teams'. The server checks again; this only spares the others a useless form.
 */
export function mayClose(me: Me, review: OpenReview): boolean {
  if (me.role === 'admin' || me.role === 'security') return true;
  return me.role === 'engineer' && review.team !== null && me.teams.includes(review.team);
}

/**
 * The form's fields as the API's body: attendees split on lines, commas and spaces (e-mails hold none), one decision a
 * line, and the action rows with anything typed. Blank lines and untouched rows are left out; a half-filled row goes
 * as it is, so the server names what is missing.
 */
export function closeBody(attendees: string, decisions: string, rows: Row[]): CloseBody {
  const people = attendees.split(/[\s,;]+/).filter(Boolean);
  const lines = decisions
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const actions = rows
    .filter((r) => r.title.trim() || r.due)
    .map((r) => ({ title: r.title.trim(), team: r.team, due: r.due }));
  return {
    ...(people.length ? { attendees: people } : {}),
    ...(lines.length ? { decisions: lines } : {}),
    ...(actions.length ? { actions } : {}),
  };
}

/** The "Close the review" form; `onClosed` gets the closed review the server answers. */
export function CloseReview<R extends OpenReview>({ review, onClosed }: { review: R; onClosed: (closed: R) => void }) {
  const [teams, setTeams] = useState<string[]>(review.team ? [review.team] : []);
  const [attendees, setAttendees] = useState('');
  const [decisions, setDecisions] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const [next, setNext] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Teams>('/api/teams')
      .then((r) => setTeams(r.items.map((t) => t.name)))
      .catch(() => {});
  }, []);
  const fallbackTeam = review.team ?? teams[0] ?? '';
  const addRow = (): void => {
    setRows((rs) => [...rs, { key: next, title: '', team: fallbackTeam, due: '' }]);
    setNext((n) => n + 1);
  };
  const change = (key: number, part: Partial<Row>): void =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...part } : r)));
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const closed = await api<R>(`/api/reviews/${review.id}/close`, {
        method: 'POST',
        json: closeBody(attendees, decisions, rows),
      });
      onClosed(closed);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="stack close-form" aria-labelledby="rc-title" noValidate>
      <h2 id="rc-title">Close the review</h2>
      <p className="hint">
        Record who came, what was decided and who does what by when. Each action item becomes a commitment of its team;
        once closed, the review cannot be changed.
      </p>
      <label htmlFor="rc-attendees">Attendees (e-mails, one a line or separated by commas)</label>
      <textarea
        id="rc-attendees"
        rows={2}
        value={attendees}
        onChange={(e) => setAttendees(e.target.value)}
        autoComplete="off"
      />
      <label htmlFor="rc-decisions">Decisions (one a line)</label>
      <textarea id="rc-decisions" rows={3} value={decisions} onChange={(e) => setDecisions(e.target.value)} />
      <h3>Action items</h3>
      {rows.length === 0 && <p className="hint">No action item yet.</p>}
      {rows.map((r, i) => (
        <fieldset key={r.key} className="filters action-row">
          <legend>Action item {i + 1}</legend>
          <div>
            <label htmlFor={`rc-title-${r.key}`}>What</label>
            <input
              id={`rc-title-${r.key}`}
              value={r.title}
              maxLength={500}
              onChange={(e) => change(r.key, { title: e.target.value })}
            />
          </div>
          <div>
            <label htmlFor={`rc-team-${r.key}`}>Owning team</label>
            <select id={`rc-team-${r.key}`} value={r.team} onChange={(e) => change(r.key, { team: e.target.value })}>
              {!r.team && <option value="">choose a team</option>}
              {teams.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`rc-due-${r.key}`}>Due</label>
            <input
              id={`rc-due-${r.key}`}
              type="date"
              value={r.due}
              onChange={(e) => change(r.key, { due: e.target.value })}
            />
          </div>
          <div className="actions">
            <button
              type="button"
              className="link"
              onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
              aria-label={`Remove action item ${i + 1}`}>
              Remove
            </button>
          </div>
        </fieldset>
      ))}
      <div>
        <button type="button" onClick={addRow}>
          Add an action item
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div>
        <button type="submit" disabled={busy}>
          Close the review
        </button>
      </div>
    </form>
  );
}
