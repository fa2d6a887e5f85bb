/** The sign-in page: e-mail and password, with the server's reason when it refuses. */
import { useState, type FormEvent } from 'react';
import { api, type Me } from './api.ts';
import { useTitle } from './router.tsx';

/** Signs in with POST /api/session and hands the signed-in person up. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  useTitle('Sign in');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Me>('/api/session', { method: 'POST', json: { email: form.get('email'), password: form.get('password') }, quiet401: true }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="narrow">
      <h1>Sign in to Entente</h1>
      <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p role="alert" className="error">{error}</p>}
      </form>
      <p className="hint">No password yet? An administrator sets one with <code>entente people password YOUR_EMAIL</code>.</p>
    </main>
  );
}
