/** The sign-in page: the organisation's single sign-on when the server has one, e-mail and password, with the server's reason when it refuses. */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Me, SsoInfo } from './api-types.ts';
import { useTitle } from './router.tsx';

/** Signs in with POST /api/session and hands the signed-in person up. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  useTitle('Sign in');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<{ provider: string; start: string } | null>(null);
  useEffect(() => {
    api<SsoInfo>('/api/session/sso', { quiet401: true })
      .then((r) => setSso(r.provider && r.start ? { provider: r.provider, start: r.start } : null))
      .catch(() => setSso(null)); // without it, the password form is still there
  }, []);
  // Back to the page that asked for sign-in (a shared link) once the provider has said who this is.
  const next = window.location.pathname + window.location.search;
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(
        await api<Me>('/api/session', {
          method: 'POST',
          json: { email: form.get('email'), password: form.get('password') },
          quiet401: true,
        }),
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="narrow">
      <h1>Sign in to Entente</h1>
      {sso && (
        <>
          <p>
            <a className="button" href={`${sso.start}?next=${encodeURIComponent(next)}`}>
              Sign in with {sso.provider}
            </a>
          </p>
          <p className="hint">Or with the e-mail address and password you set:</p>
        </>
      )}
      <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <p className="hint">
        No password yet? Ask an administrator for an invitation link (<code>entente people invite YOUR_EMAIL</code>).
      </p>
    </main>
  );
}
