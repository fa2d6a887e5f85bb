/**
 * Notifications: what Entente told you (Security and admins: everyone), whether it went out, and why not when it did
 * not; a failed or waiting one can be sent again. How each event reaches you is set in Settings.
 */
import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Me, Notification } from './api-types.ts';
import { Link, useTitle } from './router.tsx';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const when = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

/** The page a notification is about, where the app has one. */
function aboutHref(n: Notification): string | null {
  if (n.entityId === null) return null;
  switch (n.entity) {
    case 'finding':
      return `/findings/${n.entityId}`;
    case 'review':
      return `/reviews/${n.entityId}`;
    case 'gate':
    case 'gate_decision':
      return `/gates/${n.entityId}`;
    case 'exception':
      return '/exceptions';
    case 'change':
      return '/changes';
    case 'commitment':
      return '/commitments';
    case 'goal':
      return '/goals';
    default:
      return null;
  }
}

/** Where a notification stands, in words a reader needs (the badge's colour only repeats them). */
function State({ n }: { n: Notification }) {
  if (n.status === 'sent') return <span className="badge">sent {n.sentAt ? when(n.sentAt) : ''}</span>;
  if (n.status === 'failed') return <span className="badge overdue">failed</span>;
  if (n.status === 'sending') return <span className="badge">sending</span>;
  if (n.status === 'digested') return <span className="badge">in a digest</span>;
  return <span className="badge">waiting{n.nextAttemptAt ? `, next try ${when(n.nextAttemptAt)}` : ''}</span>;
}

/** The notifications page. */
export function Notifications({ me }: { me: Me }) {
  useTitle('Notifications');
  const [failedOnly, setFailedOnly] = useState(false);
  const [items, setItems] = useState<Notification[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: Notification[] }>(`/api/notifications?limit=200${failedOnly ? '&failed=true' : ''}`)
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e: unknown) => setError(message(e)));
  }, [failedOnly]);
  useEffect(load, [load]);
  const retry = async (n: Notification): Promise<void> => {
    try {
      await api(`/api/notifications/${n.id}/retry`, { method: 'POST' });
      setNotice(
        `Notification ${n.id} will be sent ${n.status === 'failed' ? 'again' : 'now, without waiting for its next try,'} in a few seconds.`,
      );
      load();
    } catch (e) {
      setError(message(e));
    }
  };
  const everyone = me.role === 'security' || me.role === 'admin';
  return (
    <>
      <h1>Notifications</h1>
      <p>
        {everyone
          ? 'Everything Entente has sent or is about to send, newest first.'
          : 'What Entente has sent you or is about to, newest first.'}{' '}
        How each event reaches you is in <Link href="/settings">Settings</Link>.
      </p>
      <p>
        <label>
          <input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly(e.target.checked)} /> Only those
          that could not be sent
        </label>
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {!items && !error && <p aria-live="polite">Loading…</p>}
      {items && items.length === 0 && (
        <p>{failedOnly ? 'No notification has failed.' : 'Nothing has been sent yet.'}</p>
      )}
      {items && items.length > 0 && (
        <table>
          <caption>{failedOnly ? 'Notifications that could not be sent' : 'Notifications'}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              {everyone && <th scope="col">To</th>}
              <th scope="col">How</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((n) => {
              const href = aboutHref(n);
              return (
                <tr key={n.id}>
                  <td>{when(n.createdAt)}</td>
                  <td>
                    {href ? <Link href={href}>{n.subject}</Link> : n.subject}
                    <br />
                    <span className="sub">{n.event}</span>
                  </td>
                  {everyone && <td>{n.recipient ?? '—'}</td>}
                  <td>{n.channel}</td>
                  <td>
                    <State n={n} />
                    {n.lastError && (
                      <>
                        <br />
                        <span className="sub">{n.lastError}</span>
                      </>
                    )}
                  </td>
                  <td>
                    {(n.status === 'failed' || n.status === 'pending') && (
                      <button
                        type="button"
                        onClick={() => void retry(n)}
                        aria-label={`${n.status === 'failed' ? 'Send again' : 'Send now'}: notification ${n.id}`}>
                        {n.status === 'failed' ? 'Send again' : 'Send now'}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
