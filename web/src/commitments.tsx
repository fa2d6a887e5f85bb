/** Commitments: what my teams owe (controls, fixes, removals), soonest due first, and verifying one with evidence. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Commitment, Me } from './api-types.ts';
import { Link, useTitle } from './router.tsx';

const canVerify = ['engineer', 'security', 'admin'];

// A check Entente runs itself, in words.
const checkWords = (check: string): string =>
  check === 'finding-fixed' ? 'it is done once the finding is fixed' : `the ${check.replace(/-/g, ' ')} check`;

/** Where it stands, in words (the badge's colour only repeats it). */
export function CommitmentState({ c }: { c: Commitment }) {
  if (c.state === 'missed') return <span className="badge overdue">missed</span>;
  if (c.overdue) return <span className="badge overdue">overdue</span>;
  return <span className="badge">{c.state}</span>;
}

/** Where a commitment comes from, linked where the app has a page for it. */
function SourceOf({ c }: { c: Commitment }) {
  const what = `${c.source.type} ${c.source.id}`;
  return (
    <>
      {c.source.type === 'exception' ? <Link href="/exceptions">{what}</Link> : what}
      {c.findingId !== null && (
        <>
          {' '}
          · <Link href={`/findings/${c.findingId}`}>finding {c.findingId}</Link>
        </>
      )}
    </>
  );
}

/** The commitments page. */
export function Commitments({ me }: { me: Me }) {
  useTitle('Commitments');
  const [items, setItems] = useState<Commitment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: Commitment[] }>('/api/commitments?state=open,missed&limit=500')
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(load, [load]);
  const whose = me.role === 'engineer' ? me.teams.join(', ') || 'your teams' : 'every team';
  return (
    <>
      <h1>Commitments</h1>
      <p>
        What {whose} owe{me.role === 'engineer' && me.teams.length === 1 ? 's' : ''}, soonest due first: controls
        promised for exceptions, gates and changes.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {!items && !error && <p aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p>Nothing is owed.</p>}
      {items && items.length > 0 && (
        <ul className="cards">
          {items.map((c) => (
            <li key={c.id}>
              <article aria-labelledby={`c-${c.id}`}>
                <h2 id={`c-${c.id}`} className="card-title">
                  Commitment {c.id}: {c.title}
                </h2>
                <p>
                  <CommitmentState c={c} /> due {c.dueDate} · {c.ownerTeam}
                  {c.service && <>, {c.service}</>} · <SourceOf c={c} />
                </p>
                {c.state === 'missed' && (
                  <p>
                    It was due on {c.dueDate} and is not verified yet.{' '}
                    {c.verification.method === 'evidence'
                      ? 'Add the evidence below, or talk with Security about a new date.'
                      : 'Talk with Security if it needs a new date.'}
                  </p>
                )}
                {c.verification.method === 'check' ? (
                  <p>
                    Entente checks this at the next scan or gate: {checkWords(c.verification.detail)}. Nothing to send.
                  </p>
                ) : (
                  <p>To verify it: {c.verification.detail.replace(/[.\s]+$/, '')}.</p>
                )}
                {canVerify.includes(me.role) && c.verification.method === 'evidence' && (
                  <Verify
                    c={c}
                    onDone={(m) => {
                      setNotice(m);
                      load();
                    }}
                  />
                )}
              </article>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

// Evidence is required: the server says so too, and its sentence is shown if it refuses.
function Verify({ c, onDone }: { c: Commitment; onDone: (message: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const evidence = String(new FormData(e.currentTarget).get('evidence') ?? '').trim();
    if (!evidence) {
      setError('add the evidence that shows it is in place (Evidence), so both teams can see it');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const next = await api<Commitment>(`/api/commitments/${c.id}/verify`, { method: 'POST', json: { evidence } });
      onDone(`Commitment ${c.id}: ${next.summary}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void verify(e)} className="stack">
      <label htmlFor={`evidence-${c.id}`}>Evidence for commitment {c.id}</label>
      <textarea id={`evidence-${c.id}`} name="evidence" rows={2} maxLength={5000} />
      <button type="submit" disabled={busy} aria-label={`Verify commitment ${c.id}`}>
        Verify
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
