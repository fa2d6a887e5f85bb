/**
 * Settings: the organisation (teams and services, from the organisation file), the policy (in force, a candidate
 * checked, two revisions compared), API tokens (admins make, list and revoke them) and notification preferences (which messages reach you, and where).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type {
  Me,
  NewToken,
  NotificationPrefs as Prefs,
  PolicyCheck,
  PolicyDiff,
  PolicyView,
  Service,
  Services,
  Team,
  Teams,
  Token,
} from './api-types.ts';
import { useTitle } from './router.tsx';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The settings page. */
export function Settings({ me }: { me: Me }) {
  useTitle('Settings');
  return (
    <>
      <h1>Settings</h1>
      <Organisation />
      <Policy />
      <Tokens me={me} />
      <Notifications me={me} />
    </>
  );
}

function Organisation() {
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [services, setServices] = useState<Service[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([api<Teams>('/api/teams'), api<Services>('/api/services')])
      .then(([t, s]) => {
        setTeams(t.items);
        setServices(s.items);
      })
      .catch((e: unknown) => setError(message(e)));
  }, []);
  return (
    <section aria-labelledby="s-org">
      <h2 id="s-org">Organisation</h2>
      <p className="hint">
        From the organisation file; an administrator changes it with <code>entente org apply org.yaml</code>.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {teams && (
        <table>
          <caption>Teams</caption>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Kind</th>
              <th scope="col">Lead</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {teams.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.kind}</td>
                <td>{t.lead ?? '—'}</td>
                <td>{t.members.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {services && (
        <table>
          <caption>Services</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Owner</th>
              <th scope="col">Criticality</th>
              <th scope="col">Exposure</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.owner}</td>
                <td>{s.criticality}</td>
                <td>{s.exposure}</td>
                <td>{s.data}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Policy() {
  const [policy, setPolicy] = useState<PolicyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [check, setCheck] = useState<PolicyCheck | null>(null);
  const [diff, setDiff] = useState<PolicyDiff | null>(null);
  useEffect(() => {
    api<PolicyView>('/api/policy')
      .then(setPolicy)
      .catch((e: unknown) => setError(message(e)));
  }, []);
  const validate = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget).get('candidate') ?? '');
    try {
      setCheck(await api<PolicyCheck>('/api/policy/check', { method: 'POST', json: { text } }));
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  };
  const compare = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const q = new URLSearchParams({ from: String(form.get('from')), to: String(form.get('to')) });
    try {
      setDiff(await api<PolicyDiff>(`/api/policy/diff?${q}`));
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  };
  const label = (r: PolicyView['revisions'][number]): string =>
    `revision ${r.id} (${r.createdAt.slice(0, 10)}, ${r.digest})${r.inForce ? ', in force' : ''}`;
  return (
    <section aria-labelledby="s-policy">
      <h2 id="s-policy">Policy</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {policy && (
        <>
          <p>
            The policy in force has digest <code>{policy.digest}</code>. Gate decisions record the revision they were
            made under.
          </p>
          <details>
            <summary>The policy in force (YAML)</summary>
            <pre className="code">{policy.yaml}</pre>
          </details>
          <form onSubmit={(e) => void validate(e)} className="stack">
            <label htmlFor="candidate">Candidate policy (YAML)</label>
            <textarea id="candidate" name="candidate" rows={6} spellCheck={false} />
            <button type="submit">Check policy</button>
          </form>
          {check
            && (check.ok ? (
              <p role="status">
                The candidate is valid: {check.rules} gate rules and {check.controls} controls (digest{' '}
                <code>{check.digest}</code>). Nothing was changed; put it in the data folder as policy.yaml to use it.
              </p>
            ) : (
              <div role="alert">
                <p className="error">The candidate needs these changes:</p>
                <ul>
                  {check.mistakes.map((m) => (
                    <li key={m}>{m}</li>
                  ))}
                </ul>
              </div>
            ))}
          <h3>Compare revisions</h3>
          {policy.revisions.length === 0 ? (
            <p>No gate has been decided yet, so there is no earlier revision to compare with.</p>
          ) : (
            <form onSubmit={(e) => void compare(e)} className="filters">
              <div>
                <label htmlFor="from">From</label>
                <select id="from" name="from">
                  {policy.revisions.map((r) => (
                    <option key={r.id} value={r.id}>
                      {label(r)}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label htmlFor="to">To</label>
                <select id="to" name="to">
                  <option value="current">the policy in force</option>
                  {policy.revisions.map((r) => (
                    <option key={r.id} value={r.id}>
                      {label(r)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="actions">
                <button type="submit">Compare</button>
              </div>
            </form>
          )}
          {diff
            && (diff.changed ? (
              <pre className="code diff">
                {diff.lines
                  .filter((l, i, all) => l.op !== ' ' || near(all, i))
                  .map((l) => `${l.op} ${l.text}`)
                  .join('\n')}
              </pre>
            ) : (
              <p role="status">The two revisions are the same.</p>
            ))}
        </>
      )}
    </section>
  );
}

// A kept line is shown when a changed line is within two lines of it (the context of each change).
function near(lines: { op: string }[], i: number): boolean {
  return lines.slice(Math.max(0, i - 2), i + 3).some((l) => l.op !== ' ');
}

function Tokens({ me }: { me: Me }) {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const admin = me.role === 'admin';
  const load = useCallback(() => {
    if (admin)
      api<{ items: Token[] }>('/api/tokens')
        .then((r) => setTokens(r.items))
        .catch((e: unknown) => setError(message(e)));
  }, [admin]);
  useEffect(load, [load]);
  const create = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const person = String(form.get('person') ?? '').trim();
    const expires = String(form.get('expires') ?? '').trim();
    try {
      const t = await api<NewToken>('/api/tokens', {
        method: 'POST',
        json: {
          name: String(form.get('name') ?? ''),
          role: String(form.get('role')),
          ...(person ? { person } : {}),
          ...(expires ? { expires } : {}),
        },
      });
      setMade({ name: t.name, token: t.token });
      setNotice(null);
      setError(null);
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  const revoke = async (t: Token): Promise<void> => {
    try {
      await api(`/api/tokens/${t.id}/revoke`, { method: 'POST' });
      setNotice(`Token ${t.name} is revoked; its next request is refused.`);
      setError(null);
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section aria-labelledby="s-tokens">
      <h2 id="s-tokens">API tokens</h2>
      {!admin && (
        <p>
          API tokens are made by an administrator (<code>entente token create</code>); ask one for a token for your
          scripts and CI jobs.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {made && (
        <p role="status">
          Token {made.name}: <code>{made.token}</code> — copy it now; it is shown only this once.
        </p>
      )}
      {admin && tokens && (
        <table>
          <caption>Tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Person</th>
              <th scope="col">Made</th>
              <th scope="col">Ends</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td>{t.person ?? '—'}</td>
                <td>{t.createdAt.slice(0, 10)}</td>
                <td>{t.expiresAt?.slice(0, 10) ?? 'never'}</td>
                <td>{t.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? '—'}</td>
                <td>{t.state}</td>
                <td>
                  {t.state === 'active' && (
                    <button
                      type="button"
                      className="link"
                      aria-label={`Revoke token ${t.name}`}
                      onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && (
        <form onSubmit={(e) => void create(e)} className="filters" aria-label="New token">
          <div>
            <label htmlFor="t-name">Name</label>
            <input id="t-name" name="name" required maxLength={100} />
          </div>
          <div>
            <label htmlFor="t-role">Role</label>
            <select id="t-role" name="role" defaultValue="engineer">
              {['engineer', 'security', 'manager', 'auditor', 'admin'].map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="t-person">Person</label>
            <input id="t-person" name="person" type="email" placeholder="raj@example.com" />
          </div>
          <div>
            <label htmlFor="t-expires">Ends</label>
            <input id="t-expires" name="expires" placeholder="90d, 2027-03-31 or never" />
          </div>
          <div className="actions">
            <button type="submit">Create token</button>
          </div>
        </form>
      )}
    </section>
  );
}

// Each event in words, as the API describes it ("a new finding to act on"), starting a sentence.
const words = (label: string): string => label.charAt(0).toUpperCase() + label.slice(1);
const how: Record<string, (email: string) => string> = {
  email: (email) => `by e-mail at once to ${email}`,
  digest: () => 'in your daily digest',
  none: () => 'no message',
};

function Notifications({ me }: { me: Me }) {
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (me.person)
      api<Prefs>('/api/notifications/prefs')
        .then(setPrefs)
        .catch((e: unknown) => setError(message(e)));
  }, [me.person]);
  const save = async (json: Record<string, unknown>, said: (next: Prefs) => string): Promise<void> => {
    try {
      const next = await api<Prefs>('/api/notifications/prefs', { method: 'PUT', json });
      setPrefs(next);
      setError(null);
      setNotice(said(next));
    } catch (err) {
      setError(message(err));
      setNotice(null);
    }
  };
  const change = (event: string, label: string, channel: string) =>
    save({ event, channel }, (next) => `${words(label)}: ${how[channel]!(next.email)} from now on.`);
  const schedule = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const quiet = String(form.get('quiet') ?? '').trim();
    void save(
      {
        digestTime: String(form.get('digestTime') ?? ''),
        quiet: quiet === '' ? null : quiet,
        timeZone: String(form.get('timeZone') ?? ''),
      },
      (next) =>
        `Your digest goes out at ${next.digestTime}; ${next.quiet ? `e-mails wait from ${next.quiet.from} to ${next.quiet.to}` : 'no quiet hours'}; ${next.timeZone} time${next.timeZoneIsDefault ? ", the organisation's" : ''}.`,
    );
  };
  return (
    <section aria-labelledby="s-notify">
      <h2 id="s-notify">Notifications</h2>
      {!me.person && <p>Notification preferences belong to a person; sign in as yourself to set yours.</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {prefs && (
        <form onSubmit={schedule} aria-label="Digest time, quiet hours and time zone">
          <div>
            <label htmlFor="n-digest">Daily digest at (HH:MM)</label>
            <input id="n-digest" name="digestTime" defaultValue={prefs.digestTime} key={prefs.digestTime} />
          </div>
          <div>
            <label htmlFor="n-quiet">Quiet hours (HH:MM-HH:MM; empty: none)</label>
            <input
              id="n-quiet"
              name="quiet"
              placeholder="20:00-07:00"
              defaultValue={prefs.quiet ? `${prefs.quiet.from}-${prefs.quiet.to}` : ''}
              key={JSON.stringify(prefs.quiet)}
            />
          </div>
          <div>
            <label htmlFor="n-zone">Time zone (e.g. Asia/Singapore; empty: the organisation's)</label>
            <input
              id="n-zone"
              name="timeZone"
              placeholder={prefs.organisationTimeZone}
              defaultValue={prefs.timeZoneIsDefault ? '' : prefs.timeZone}
              key={prefs.timeZoneIsDefault ? '' : prefs.timeZone}
            />
          </div>
          <div className="actions">
            <button type="submit">Save times</button>
          </div>
        </form>
      )}
      {prefs && (
        <table>
          <caption>Which messages reach {prefs.email}, and where</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Channel</th>
            </tr>
          </thead>
          <tbody>
            {prefs.prefs.map((p) => (
              <tr key={p.event}>
                <th scope="row">
                  {words(p.label)}
                  <div className="sub">
                    <code>{p.event}</code>
                  </div>
                </th>
                <td>
                  <select
                    aria-label={`Channel for ${words(p.label)}`}
                    value={p.channel}
                    onChange={(e) => void change(p.event, p.label, e.target.value)}>
                    <option value="email">e-mail at once</option>
                    <option value="digest">daily digest</option>
                    <option value="none">none</option>
                  </select>
                  {p.isDefault && <span className="sub"> (the default)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
