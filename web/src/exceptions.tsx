/** Exceptions: requests waiting for my approval (approve, or decline with a reason), my own requests, and approved ones ending soon. */
import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Exception, Me } from './api-types.ts';
import { PriorityBadge, day, words } from './format.tsx';
import { Link, useTitle } from './router.tsx';
import { Decide } from './decide.tsx';

/** The last day (YYYY-MM-DD) of the next `days` days, as the pages compare due dates. */
export const dayIn = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Whether the signed-in person may still give one of the approvals a request waits for: never their own request;
 * Security (or an admin) while Security's approval is missing; the team's lead (named in `awaiting`) while the lead's is.
 * The server decides in the end; this only chooses where a request is listed.
 */
export function waitsForMe(e: Exception, me: Me): boolean {
  if (e.status !== 'requested' || !me.person || e.requestedBy.toLowerCase() === me.person.toLowerCase()) return false;
  if (e.approvals.lead === me.person || e.approvals.security === me.person) return false;
  if ((me.role === 'security' || me.role === 'admin') && e.approvals.security === null) return true;
  return e.approvals.lead === null && e.awaiting.some((a) => a.includes(`(${me.person})`));
}

/** The exceptions page. */
export function Exceptions({ me }: { me: Me }) {
  useTitle('Exceptions');
  const [requested, setRequested] = useState<Exception[] | null>(null);
  const [approved, setApproved] = useState<Exception[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The outcome of the last approve or decline: the exception's new summary, or the server's sentence when it refused.
  // Shown at the top, because the list is read again and the request may have left it.
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(() => {
    Promise.all([
      api<{ items: Exception[] }>('/api/exceptions?status=requested&limit=500'),
      api<{ items: Exception[] }>('/api/exceptions?status=approved&limit=500'),
    ])
      .then(([r, a]) => {
        setRequested(r.items);
        setApproved(a.items);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(load, [load]);

  const mine = requested?.filter((e) => me.person && e.requestedBy.toLowerCase() === me.person.toLowerCase()) ?? [];
  const forMe = requested?.filter((e) => waitsForMe(e, me)) ?? [];
  const soon = dayIn(30);
  const ending = (approved ?? [])
    .filter((e) => e.validUntil <= soon)
    .sort((a, b) => a.validUntil.localeCompare(b.validUntil));
  return (
    <>
      <h1>Exceptions</h1>
      <p>
        Accepting a finding's risk for a while needs the team lead's and Security's approval; nobody approves their own
        request.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice?.ok && <p role="status">{notice.text}</p>}
      {notice && !notice.ok && (
        <p role="alert" className="error">
          {notice.text}
        </p>
      )}
      {!requested && !error && <p aria-live="polite">Loading…</p>}
      {requested && (
        <>
          <section aria-labelledby="for-me">
            <h2 id="for-me">Waiting for you</h2>
            {forMe.length === 0 ? (
              <p>No request waits for your approval.</p>
            ) : (
              <ul className="cards">
                {forMe.map((e) => (
                  <li key={e.id}>
                    <ExceptionCard e={e} />
                    <Decide
                      kind="exception"
                      id={e.id}
                      path={`/api/exceptions/${e.id}`}
                      onDone={(n) => {
                        setNotice(n);
                        load();
                      }}
                    />
                  </li>
                ))}
              </ul>
            )}
          </section>
          {mine.length > 0 && (
            <section aria-labelledby="mine">
              <h2 id="mine">Your requests</h2>
              <p className="hint">Waiting for others' approval; you cannot approve your own.</p>
              <ul className="cards">
                {mine.map((e) => (
                  <li key={e.id}>
                    <ExceptionCard e={e} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="ending">
            <h2 id="ending">Ending within 30 days</h2>
            {ending.length === 0 ? (
              <p>No approved exception ends in the next 30 days.</p>
            ) : (
              <ul className="cards">
                {ending.map((e) => (
                  <li key={e.id}>
                    <ExceptionCard e={e} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}

function ExceptionCard({ e }: { e: Exception }) {
  return (
    <article aria-labelledby={`ex-${e.id}`}>
      <h3 id={`ex-${e.id}`}>
        Exception {e.id}: {e.team}, until {e.validUntil}
      </h3>
      <p className="sub">
        {words(e.status)} · asked by {e.requestedBy} on {day(e.requestedAt)}
      </p>
      <p className="prose">{e.reason}</p>
      {e.controls.length > 0 && <p>Controls meanwhile: {e.controls.join('; ')}</p>}
      <p>{e.summary}</p>
      <ul>
        {e.findings.map((f) => (
          <li key={f.id}>
            <PriorityBadge priority={f.priority} /> <Link href={`/findings/${f.id}`}>{f.title}</Link>{' '}
            <span className="sub">
              ({f.service}, {words(f.status)})
            </span>
          </li>
        ))}
      </ul>
    </article>
  );
}
