/** The app: asks who is signed in, shows the sign-in page or the layout with the page the address names. */
import { useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, whenSignedOut, type Me } from './api.ts';
import { Link, navigate, useLocation } from './router.tsx';
import { SignIn } from './sign-in.tsx';
import { Home } from './home.tsx';
import { Findings } from './findings.tsx';
import { FindingPage } from './finding.tsx';
import { Exceptions } from './exceptions.tsx';
import { Commitments } from './commitments.tsx';
import { Invite } from './invite.tsx';
import { Settings } from './settings.tsx';

/** The whole app. */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const { path } = useLocation();

  useEffect(() => {
    whenSignedOut(() => { setCsrfToken(null); setMe(null); });
    api<Me>('/api/session', { quiet401: true })
      .then((m) => { setCsrfToken(m.csrfToken); setMe(m); })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setMe(null);
        else setProblem(e instanceof Error ? e.message : String(e));
      });
  }, []);

  // An invitation link is opened signed out (or as someone else): it signs in as the person it invites.
  const invitation = /^\/invite\/([\w-]+)$/.exec(path);
  if (invitation) return <Invite token={invitation[1]!} onSignedIn={(m) => { setCsrfToken(m.csrfToken); setMe(m); navigate('/'); }} />;
  if (problem) return <main className="narrow"><h1>Entente</h1><p role="alert" className="error">{problem}</p></main>;
  if (me === undefined) return <main className="narrow"><p aria-live="polite">Loading…</p></main>;
  if (me === null) return <SignIn onSignedIn={(m) => { setCsrfToken(m.csrfToken); setMe(m); }} />;
  return <Layout me={me} onSignedOut={() => { setCsrfToken(null); setMe(null); }} />;
}

function Layout({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const { path } = useLocation();
  const signOut = async (): Promise<void> => {
    await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
    onSignedOut();
    navigate('/');
  };
  const current = (p: string): 'page' | undefined => (p === '/' ? path === '/' : path.startsWith(p)) ? 'page' : undefined;
  return (
    <>
      <header className="top">
        <span className="brand">Entente</span>
        <nav aria-label="Main">
          <ul>
            <li><Link href="/" aria-current={current('/')}>Home</Link></li>
            <li><Link href="/findings" aria-current={current('/findings')}>Findings</Link></li>
            <li><Link href="/exceptions" aria-current={current('/exceptions')}>Exceptions</Link></li>
            <li><Link href="/commitments" aria-current={current('/commitments')}>Commitments</Link></li>
            <li><Link href="/settings" aria-current={current('/settings')}>Settings</Link></li>
          </ul>
        </nav>
        <span className="who">{me.person ?? 'token'} ({me.role})</span>
        <button type="button" className="link" onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>
        <Page path={path} me={me} />
      </main>
    </>
  );
}

function Page({ path, me }: { path: string; me: Me }) {
  if (path === '/') return <Home me={me} />;
  if (path === '/findings' || path === '/findings/') return <Findings />;
  if (path === '/exceptions' || path === '/exceptions/') return <Exceptions me={me} />;
  if (path === '/commitments' || path === '/commitments/') return <Commitments me={me} />;
  if (path === '/settings' || path === '/settings/') return <Settings me={me} />;
  const finding = /^\/findings\/(\d+)\/?$/.exec(path);
  if (finding) return <FindingPage id={Number(finding[1])} me={me} />;
  return <><h1>Page not found</h1><p>There is no page at {path}. <Link href="/">Go home</Link>.</p></>;
}
