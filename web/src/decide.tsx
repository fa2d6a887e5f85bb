/** Approve, or decline with a reason (required): the same two answers for an exception and a change request. */
import { useState, type FormEvent } from 'react';
import { ApiError, api } from './api.ts';
import type { ApiChange, Exception } from './api-types.ts';

export interface Decision {
  ok: boolean;
  text: string;
}

/**
 * `kind` names what is decided in labels and messages ("exception", "change"); `path` is its API address
 * (`/api/exceptions/7`). The server's sentence is shown when it refuses (someone else decided first, or the page
 * guessed wrong whose approval it waits for).
 */
export function Decide({
  kind,
  id,
  path,
  onDone,
}: {
  kind: 'exception' | 'change';
  id: number;
  path: string;
  onDone: (d: Decision) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const Kind = kind[0]!.toUpperCase() + kind.slice(1);
  const act = async (step: 'approve' | 'decline', json?: unknown): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const next = await api<Exception | ApiChange>(`${path}/${step}`, {
        method: 'POST',
        ...(json !== undefined ? { json } : {}),
      });
      onDone({ ok: true, text: `${Kind} ${id}: ${next.summary}` });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 409))
        onDone({ ok: false, text: err.message });
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const decline = (ev: FormEvent<HTMLFormElement>): void => {
    ev.preventDefault();
    const reason = String(new FormData(ev.currentTarget).get('reason') ?? '').trim();
    if (!reason) {
      setError('say why you decline (Reason), so the requester knows what would help');
      return;
    }
    void act('decline', { reason });
  };
  const field = `${kind}-reason-${id}`;
  return (
    <div className="decide">
      <button type="button" disabled={busy} onClick={() => void act('approve')} aria-label={`Approve ${kind} ${id}`}>
        Approve
      </button>
      <form onSubmit={decline} className="stack">
        <label htmlFor={field}>
          Reason to decline {kind} {id}
        </label>
        <textarea id={field} name="reason" rows={2} maxLength={5000} />
        <button type="submit" disabled={busy} aria-label={`Decline ${kind} ${id}`}>
          Decline
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
