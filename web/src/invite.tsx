/** The invitation page (/invite/TOKEN): whom the link is for, a new password typed twice, then signed in. */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Invitation, Me } from './api-types.ts';
import { useTitle } from './router.tsx';

/** Sets the password with POST /api/invitations/{token} and hands the signed-in person up. */
export function Invite({ token, onSignedIn }: { token: string; onSignedIn: (me: Me) => void }) {
  useTitle('Set your password');
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Invitation>(`/api/invitations/${encodeURIComponent(token)}`, { quiet401: true })
      .then(setInvitation)
      .catch((e: unknown) => setRefused(e instanceof Error ? e.message : String(e)));
  }, [token]);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('again') ?? '')) {
      setError('the two passwords are not the same; type the same one twice');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(
        await api<Me>(`/api/invitations/${encodeURIComponent(token)}`, {
          method: 'POST',
          json: { password },
          quiet401: true,
        }),
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const sentence = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  return (
    <main className="narrow">
      <h1>Set your password</h1>
      {refused && (
        <>
          <p role="alert" className="error">
            {sentence(refused)}
          </p>
          <p>
            <a href="/">Go to the sign-in page</a>
          </p>
        </>
      )}
      {!refused && !invitation && <p aria-live="polite">Loading…</p>}
      {invitation && (
        <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
          <p>
            Welcome, {invitation.email}. Choose a password of at least 12 characters (a few unrelated words make a long
            one easy to remember); this link works once, until {invitation.expiresAt.slice(0, 10)}.
          </p>
          <input type="email" name="email" autoComplete="username" value={invitation.email} readOnly hidden />
          <label htmlFor="password">New password</label>
          <input id="password" name="password" type="password" autoComplete="new-password" required autoFocus />
          <label htmlFor="again">The same password again</label>
          <input id="again" name="again" type="password" autoComplete="new-password" required />
          <button type="submit" disabled={busy}>
            Set password and sign in
          </button>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </form>
      )}
    </main>
  );
}
