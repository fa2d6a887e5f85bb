/** The app: asks who is signed in, shows the sign-in page or the layout with the page the address names. */
import { Suspense, lazy, useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, whenSignedOut } from './api.ts';
import type { Me, Teams } from './api-types.ts';
import { Link, navigate, useLocation } from './router.tsx';
import { SignIn } from './sign-in.tsx';

// Each page is its own chunk, loaded when first shown: the first page's script stays small.
const Home = lazy(() => import('./home.tsx').then((m) => ({ default: m.Home })));
const Findings = lazy(() => import('./findings.tsx').then((m) => ({ default: m.Findings })));
const FindingPage = lazy(() => import('./finding.tsx').then((m) => ({ default: m.FindingPage })));
const Exceptions = lazy(() => import('./exceptions.tsx').then((m) => ({ default: m.Exceptions })));
const Commitments = lazy(() => import('./commitments.tsx').then((m) => ({ default: m.Commitments })));
const Gates = lazy(() => import('./gates.tsx').then((m) => ({ default: m.Gates })));
const GatePage = lazy(() => import('./gates.tsx').then((m) => ({ default: m.GatePage })));
const Changes = lazy(() => import('./changes.tsx').then((m) => ({ default: m.Changes })));
const Invite = lazy(() => import('./invite.tsx').then((m) => ({ default: m.Invite })));
const Scorecard = lazy(() => import('./scorecard.tsx').then((m) => ({ default: m.ScorecardPage })));
const Reviews = lazy(() => import('./reviews.tsx').then((m) => ({ default: m.Reviews })));
const ReviewPage = lazy(() => import('./reviews.tsx').then((m) => ({ default: m.ReviewPage })));
const Notifications = lazy(() => import('./notifications.tsx').then((m) => ({ default: m.Notifications })));
const Settings = lazy(() => import('./settings.tsx').then((m) => ({ default: m.Settings })));

/** The whole app. */
export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const { path } = useLocation();

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setMe(null);
    });
    api<Me>('/api/session', { quiet401: true })
      .then((m) => {
        setCsrfToken(m.csrfToken);
        setMe(m);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setMe(null);
        else setProblem(e instanceof Error ? e.message : String(e));
      });
  }, []);

  // An invitation link is opened signed out (or as someone else): it signs in as the person it invites.
  const invitation = /^\/invite\/([\w-]+)$/.exec(path);
  if (invitation) {
    return (
      <Suspense fallback={<p aria-live="polite">Loading…</p>}>
        <Invite
          token={invitation[1]!}
          onSignedIn={(m) => {
            setCsrfToken(m.csrfToken);
            setMe(m);
            navigate('/');
          }}
        />
      </Suspense>
    );
  }
  if (problem)
    return (
      <main className="narrow">
        <h1>Entente</h1>
        <p role="alert" className="error">
          {problem}
        </p>
      </main>
    );
  if (me === undefined)
    return (
      <main className="narrow">
        <p aria-live="polite">Loading…</p>
      </main>
    );
  if (me === null)
    return (
      <SignIn
        onSignedIn={(m) => {
          setCsrfToken(m.csrfToken);
          setMe(m);
        }}
      />
    );
  return (
    <Layout
      me={me}
      onSignedOut={() => {
        setCsrfToken(null);
        setMe(null);
      }}
    />
  );
}

/** How the header names the person's part: a team's lead as such (the role alone would say "engineer"). */
function useRoleLabel(me: Me): string {
  const [led, setLed] = useState<string[]>([]);
  useEffect(() => {
    if (!me.person) return;
    const person = me.person.toLowerCase();
    api<Teams>('/api/teams')
      .then((r) => setLed(r.items.filter((t) => t.lead?.toLowerCase() === person).map((t) => t.name)))
      .catch(() => setLed([]));
  }, [me.person]);
  return led.length ? `lead of ${led.join(', ')}` : me.role;
}

/** The header's links: address, name, and another address the same link stands for (the scorecard's goals). */
const navLinks: [string, string, string?][] = [
  ['/', 'Home'],
  ['/findings', 'Findings'],
  ['/exceptions', 'Exceptions'],
  ['/commitments', 'Commitments'],
  ['/gates', 'Gates'],
  ['/changes', 'Changes'],
  ['/scorecard', 'Scorecard', '/goals'],
  ['/reviews', 'Reviews'],
  ['/notifications', 'Notifications'],
  ['/settings', 'Settings'],
];

function Layout({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const { path } = useLocation();
  const role = useRoleLabel(me);
  const signOut = async (): Promise<void> => {
    await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
    onSignedOut();
    navigate('/');
  };
  const current = (p: string): 'page' | undefined =>
    (p === '/' ? path === '/' : path.startsWith(p)) ? 'page' : undefined;
  return (
    <>
      <header className="top">
        <span className="brand">Entente</span>
        <nav aria-label="Main">
          <ul>
            {navLinks.map(([href, name, also]) => (
              <li key={href}>
                <Link href={href} aria-current={current(href) ?? (also ? current(also) : undefined)}>
                  {name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {me.person ?? 'token'} ({role})
        </span>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Suspense fallback={<p aria-live="polite">Loading…</p>}>
          <Page path={path} me={me} />
        </Suspense>
      </main>
    </>
  );
}

function Page({ path, me }: { path: string; me: Me }) {
  if (path === '/') return <Home me={me} />;
  if (path === '/findings' || path === '/findings/') return <Findings me={me} />;
  if (path === '/exceptions' || path === '/exceptions/') return <Exceptions me={me} />;
  if (path === '/commitments' || path === '/commitments/') return <Commitments me={me} />;
  if (path === '/settings' || path === '/settings/') return <Settings me={me} />;
  if (path === '/gates' || path === '/gates/') return <Gates />;
  if (path === '/changes' || path === '/changes/') return <Changes me={me} />;
  if (path === '/scorecard' || path === '/scorecard/' || path === '/goals' || path === '/goals/')
    return <Scorecard me={me} />;
  if (path === '/reviews' || path === '/reviews/') return <Reviews me={me} />;
  if (path === '/notifications' || path === '/notifications/') return <Notifications me={me} />;
  const review = /^\/reviews\/(\d+)\/?$/.exec(path);
  if (review) return <ReviewPage id={Number(review[1])} me={me} />;
  const gate = /^\/gates\/(\d+)\/?$/.exec(path);
  if (gate) return <GatePage id={Number(gate[1])} />;
  const finding = /^\/findings\/(\d+)\/?$/.exec(path);
  if (finding) return <FindingPage id={Number(finding[1])} me={me} />;
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at {path}. <Link href="/">Go home</Link>.
      </p>
    </>
  );
}
