/**
 * Reviews (`/reviews`): the review meetings, newest first; a new one for a team or the organisation (its agenda writes
 * itself from the data since the last one); a review's agenda (`/reviews/ID`) in its order, wins first, with the
 * invitation to download for a calendar.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Me, Review, Team, Teams } from './api-types.ts';
import { Link, navigate, useTitle } from './router.tsx';
import { CloseReview, mayClose } from './review-close.tsx';

type Section = Review['agenda']['sections'][number];

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const whose = (r: Review): string => r.team ?? 'the organisation';

/** Where an agenda item points, when the app has a page for it. */
function hrefOf(ref: Section['items'][number]['ref']): string | null {
  if (!ref || ref.id === null) return null;
  if (ref.type === 'finding') return `/findings/${ref.id}`;
  if (ref.type === 'gate') return `/gates/${ref.id}`;
  if (ref.type === 'commitment') return '/commitments';
  if (ref.type === 'exception') return '/exceptions';
  if (ref.type === 'change') return '/changes';
  if (ref.type === 'goal') return '/goals';
  return null;
}

/** The reviews page. */
export function Reviews({ me }: { me: Me }) {
  useTitle('Reviews');
  const [items, setItems] = useState<Review[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: Review[] }>('/api/reviews')
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e: unknown) => setError(message(e)));
  }, []);
  useEffect(load, [load]);
  return (
    <>
      <h1>Reviews</h1>
      <p>
        Review meetings between a team and Security. Each agenda writes itself from what happened since the last review
        of the same team: wins first.
      </p>
      {me.role !== 'auditor' && <NewReview me={me} />}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!items && !error && <p aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p>No review has been held yet.</p>}
      {items && items.length > 0 && (
        <table>
          <caption>Reviews, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Review</th>
              <th scope="col">Cadence</th>
              <th scope="col">Period</th>
              <th scope="col">State</th>
              <th scope="col">Next</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link href={`/reviews/${r.id}`}>
                    Review {r.id}: {whose(r)}
                  </Link>
                  <div className="sub">{r.summary}</div>
                </td>
                <td>{r.cadence}</td>
                <td>
                  {r.period.from.slice(0, 10)} to {r.period.to.slice(0, 10)}
                </td>
                <td>{r.closedAt ? `closed ${r.closedAt.slice(0, 10)}` : 'open'}</td>
                <td>{r.next.slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function NewReview({ me }: { me: Me }) {
  const [teams, setTeams] = useState<Team[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Teams>('/api/teams')
      .then((r) => setTeams(r.items))
      .catch(() => setTeams([]));
  }, []);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const team = String(form.get('team') ?? '');
    setBusy(true);
    setError(null);
    try {
      const r = await api<Review>('/api/reviews', {
        method: 'POST',
        json: { cadence: String(form.get('cadence')), ...(team ? { team } : {}) },
      });
      navigate(`/reviews/${r.id}`);
    } catch (err) {
      setError(message(err));
      setBusy(false);
    }
  };
  const mine = me.role === 'engineer' ? teams.filter((t) => me.teams.includes(t.name)) : teams;
  return (
    <form onSubmit={(e) => void submit(e)} className="filters" aria-label="New review">
      <div>
        <label htmlFor="r-cadence">Cadence</label>
        <select id="r-cadence" name="cadence" defaultValue="weekly">
          <option value="weekly">weekly</option>
          <option value="monthly">monthly</option>
        </select>
      </div>
      <div>
        <label htmlFor="r-team">Team</label>
        <select id="r-team" name="team" defaultValue={me.role === 'engineer' ? (me.teams[0] ?? '') : ''}>
          {me.role !== 'engineer' && <option value="">the whole organisation</option>}
          {mine.map((t) => (
            <option key={t.id} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          New review
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/** One review: its agenda in order, the invitation, what was recorded, and (while open) the form that closes it. */
export function ReviewPage({ id, me }: { id: number; me: Me }) {
  const [review, setReview] = useState<Review | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useTitle(`Review ${id}`);
  useEffect(() => {
    api<Review>(`/api/reviews/${id}`)
      .then(setReview)
      .catch((e: unknown) => setError(message(e)));
  }, [id]);
  if (error)
    return (
      <>
        <h1>Review {id}</h1>
        <p role="alert" className="error">
          {error}
        </p>
        <p>
          <Link href="/reviews">All reviews</Link>
        </p>
      </>
    );
  if (!review) return <p aria-live="polite">Loading…</p>;
  const a = review.agenda;
  return (
    <>
      <p>
        <Link href="/reviews">All reviews</Link>
      </p>
      <h1>
        Review {review.id}: {a.title}
      </h1>
      <p>{a.periodText}</p>
      {notice && <p role="status">{notice}</p>}
      <p>
        <a href={`/api/reviews/${review.id}?format=ics`} download={`entente-review-${review.id}.ics`}>
          Download the invitation (.ics)
        </a>{' '}
        for your calendar.
      </p>
      {a.sections.map((s) => (
        <section key={s.id} aria-labelledby={`a-${s.id}`} className="agenda">
          <h2 id={`a-${s.id}`}>{s.heading}</h2>
          {s.intro && <p>{s.intro}</p>}
          {s.items.length > 0 && (
            <ul>
              {s.items.map((it, i) => {
                const href = hrefOf(it.ref);
                // biome-ignore lint/suspicious/noArrayIndexKey: a section's items, shown as they came, never reordered
                return <li key={i}>{href ? <Link href={href}>{it.text}</Link> : it.text}</li>;
              })}
            </ul>
          )}
          {s.moreText && <p className="hint">{s.moreText}</p>}
        </section>
      ))}
      {(review.closedAt || review.attendees.length > 0 || review.decisions.length > 0 || review.actions.length > 0) && (
        <section aria-labelledby="a-record">
          <h2 id="a-record">Recorded</h2>
          <dl className="facts">
            <dt>State</dt>
            <dd>{review.closedAt ? `closed on ${review.closedAt.slice(0, 10)} by ${review.closedBy}` : 'open'}</dd>
            <dt>Attendees</dt>
            <dd>{review.attendees.join(', ') || '—'}</dd>
            <dt>Decisions</dt>
            <dd>
              {review.decisions.length ? (
                <ul className="plain">
                  {review.decisions.map((d) => (
                    <li key={d.id}>{d.text}</li>
                  ))}
                </ul>
              ) : (
                '—'
              )}
            </dd>
            <dt>Action items</dt>
            <dd>
              {review.actions.length ? (
                <ul className="plain">
                  {review.actions.map((x) => (
                    <li key={x.id}>
                      {x.title} ({x.ownerTeam}, due {x.dueDate})
                      {x.commitmentId !== null && (
                        <>
                          {' '}
                          · <Link href="/commitments">commitment {x.commitmentId}</Link>
                          {x.state && `, ${x.state}`}
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              ) : (
                '—'
              )}
            </dd>
          </dl>
        </section>
      )}
      {!review.closedAt && mayClose(me, review) && (
        <CloseReview
          review={review}
          onClosed={(closed) => {
            setReview(closed);
            setNotice(closedNotice(closed));
          }}
        />
      )}
    </>
  );
}

/** What the page says once the review is closed: how much was recorded, and the commitments the action items became. */
function closedNotice(r: Review): string {
  const n = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;
  const made = r.actions.flatMap((x) => (x.commitmentId === null ? [] : [x.commitmentId]));
  const commitments = made.length
    ? `; the action items are now ${made.length === 1 ? 'commitment' : 'commitments'} ${made.join(', ')}`
    : '';
  return `Review ${r.id} is closed: ${n(r.attendees.length, 'attendee', 'attendees')}, ${n(r.decisions.length, 'decision', 'decisions')}, ${n(r.actions.length, 'action item', 'action items')}${commitments}.`;
}
