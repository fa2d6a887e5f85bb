/**
 * Changes: a request form whose risk check updates as the person types (POST /api/changes/preview, which stores
 * nothing and runs the same check as a request), the approvals waiting for me, leases ending soon, and ports open
 * with no approved change covering them.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { ApiChange, ChangePreview as Preview, Exposure, Me, Service, Services } from './api-types.ts';
import { day, words } from './format.tsx';
import { dayIn } from './exceptions.tsx';
import { useTitle } from './router.tsx';
import { Decide } from './decide.tsx';

/** A change as GET /api/changes answers, with what the page works out from it (not sent by the server). */
export type Change = ApiChange & {
  /** Set by the page: Security's approval is still missing. */
  awaitingSecurity?: boolean;
};

const types = [
  'firewall',
  'file-share',
  'remote-access',
  'cloud-exposure',
  'privileged-access',
  'third-party',
  'other',
] as const;
const auths = ['none', 'shared-password', 'password', 'key', 'mfa', 'sso'] as const;
const dataClasses = ['public', 'internal', 'confidential', 'restricted'] as const;
const writers = ['admin', 'security', 'engineer'];
// The states in which a change grants access (its lease runs).
const live = ['approved', 'approved_with_safeguards', 'implemented', 'recertified'];

/**
 * Whether the signed-in person may give one of the approvals a change waits for: never their own request; Security
 * (or an admin) while Security's is missing; a member of the owner team while the owner's is. The server decides.
 */
function changeWaitsForMe(c: Change, me: Me): boolean {
  if (c.status !== 'submitted' || !me.person || c.requestedBy.toLowerCase() === me.person.toLowerCase()) return false;
  if (c.riskCheck.alternativeFirst && !c.fields.keepProtocol) return false; // the requester answers the alternative first
  if ((me.role === 'security' || me.role === 'admin') && c.awaitingSecurity) return true;
  if (me.role === 'admin' && c.approvals.awaiting.length > 0) return true;
  return me.role === 'engineer' && c.approvals.awaiting.includes(c.team) && me.teams.includes(c.team);
}

const withFlags = (c: Change): Change => ({ ...c, awaitingSecurity: c.approvals.awaiting.includes('Security') });

/** The changes that wait for my approval (used by Home too). */
export async function changesWaitingForMe(me: Me): Promise<Change[]> {
  const r = await api<{ items: ApiChange[] }>('/api/changes?status=submitted&limit=500');
  return r.items.map(withFlags).filter((c) => changeWaitsForMe(c, me));
}

/** The Changes page. */
export function Changes({ me }: { me: Me }) {
  useTitle('Changes');
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [exposure, setExposure] = useState<Exposure[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(() => {
    api<{ items: ApiChange[] }>('/api/changes?status=all&limit=500')
      .then((r) => {
        setChanges(r.items.map(withFlags));
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    api<{ items: Exposure[] }>('/api/exposure?state=open&limit=1000')
      .then((r) => setExposure(r.items.filter((x) => x.coveredBy === null)))
      .catch(() => setExposure([]));
  }, []);
  useEffect(load, [load]);

  const forMe = (changes ?? []).filter((c) => changeWaitsForMe(c, me));
  const mine = (changes ?? []).filter(
    (c) =>
      me.person
      && c.requestedBy.toLowerCase() === me.person.toLowerCase()
      && (c.status === 'submitted' || c.status === 'draft'),
  );
  const soon = dayIn(14);
  const ending = (changes ?? [])
    .filter(
      (c) => live.includes(c.status) && c.endsAt !== null && (c.endsAt.slice(0, 10) <= soon || c.removal?.overdue),
    )
    .sort((a, b) => a.endsAt!.localeCompare(b.endsAt!));
  const done = (n: { ok: boolean; text: string }): void => {
    setNotice(n);
    load();
  };
  return (
    <>
      <h1>Changes</h1>
      <p>
        Opening access (a firewall rule, a file share, remote access) with a risk check, the safeguards that make it
        safe, the approvals it needs, and an end date.
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
      {writers.includes(me.role) && <RequestForm me={me} onDone={done} />}
      <section aria-labelledby="c-for-me">
        <h2 id="c-for-me">Waiting for your approval</h2>
        {!changes && !error && <p aria-live="polite">Loading…</p>}
        {changes && forMe.length === 0 && <p>No change waits for your approval.</p>}
        {forMe.length > 0 && (
          <ul className="cards">
            {forMe.map((c) => (
              <li key={c.id}>
                <ChangeCard c={c} />
                <Decide kind="change" id={c.id} path={`/api/changes/${c.id}`} onDone={done} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {mine.length > 0 && (
        <section aria-labelledby="c-mine">
          <h2 id="c-mine">Your requests</h2>
          <ul className="cards">
            {mine.map((c) => (
              <li key={c.id}>
                <ChangeCard c={c} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="c-ending">
        <h2 id="c-ending">Leases ending within 14 days</h2>
        {changes && ending.length === 0 && <p>No access ends in the next 14 days.</p>}
        {ending.length > 0 && (
          <table>
            <caption>Access that ends soon (or has ended and waits to be taken down)</caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Service</th>
                <th scope="col">Ends</th>
                <th scope="col">Where it stands</th>
              </tr>
            </thead>
            <tbody>
              {ending.map((c) => (
                <tr key={c.id}>
                  <td>
                    Change {c.id}: {c.title}
                  </td>
                  <td>
                    {c.service} <div className="sub">{c.team}</div>
                  </td>
                  <td>
                    {day(c.endsAt!)}
                    {c.removal?.overdue && (
                      <>
                        {' '}
                        <span className="badge overdue">ended</span>
                      </>
                    )}
                  </td>
                  <td>{c.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="c-exposure">
        <h2 id="c-exposure">Open without an approved change</h2>
        {exposure && exposure.length === 0 && (
          <p>Every open port the last scans saw is covered by an approved change.</p>
        )}
        {exposure && exposure.length > 0 && (
          <table>
            <caption>Ports open that no approved change covers</caption>
            <thead>
              <tr>
                <th scope="col">Host and port</th>
                <th scope="col">What answers</th>
                <th scope="col">Service</th>
                <th scope="col">First seen</th>
              </tr>
            </thead>
            <tbody>
              {exposure.map((x) => (
                <tr key={`${x.host}:${x.port}/${x.protocol}`}>
                  <td>
                    {x.host}:{x.port}/{x.protocol}
                  </td>
                  <td>
                    {x.service}
                    {x.product ? ` (${x.product})` : ''}
                  </td>
                  <td>{x.owner ?? 'no service lists this host'}</td>
                  <td>{day(x.firstSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function ChangeCard({ c }: { c: Change }) {
  return (
    <article aria-labelledby={`ch-${c.id}`}>
      <h3 id={`ch-${c.id}`}>
        Change {c.id}: {c.title}
      </h3>
      <p className="sub">
        <span className={`badge r-${c.risk}`}>{c.risk} risk</span> {words(c.type)} · {c.service} ({c.team}) ·{' '}
        {words(c.status)} · asked by {c.requestedBy} on {day(c.requestedAt)}
        {c.endsAt && ` · until ${day(c.endsAt)}`}
      </p>
      <p>{c.summary}</p>
      {c.riskCheck.safeguards.length > 0 && <p>Safeguards: {c.riskCheck.safeguards.map((s) => s.title).join('; ')}</p>}
    </article>
  );
}

const list = (v: FormDataEntryValue | null): string[] =>
  String(v ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

// The form's fields as a request body: empty fields are left out, so the preview says what is still missing.
function bodyOf(form: HTMLFormElement): Record<string, unknown> {
  const f = new FormData(form);
  const body: Record<string, unknown> = {};
  for (const k of [
    'type',
    'service',
    'title',
    'description',
    'protocol',
    'authentication',
    'dataClass',
    'keepProtocol',
    'account',
    'vendor',
    'resource',
    'system',
  ]) {
    const v = String(f.get(k) ?? '').trim();
    if (v) body[k] = v;
  }
  for (const k of ['source', 'destination', 'ports']) {
    const v = list(f.get(k));
    if (v.length) body[k] = v;
  }
  const end = String(f.get('end') ?? '');
  if (end) body.end = `${end}T23:59:59Z`;
  if (f.get('internetFacing')) body.internetFacing = true;
  return body;
}

function RequestForm({ me, onDone }: { me: Me; onDone: (n: { ok: boolean; text: string }) => void }) {
  const [services, setServices] = useState<Service[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [type, setType] = useState<string>('firewall');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const asked = useRef(0);
  useEffect(() => {
    api<Services>('/api/services')
      .then((r) => setServices(me.role === 'engineer' ? r.items.filter((s) => me.teams.includes(s.owner)) : r.items))
      .catch(() => setServices([]));
  }, [me]);

  // Debounced: one preview a moment after the person stops typing; a late answer to an older form is dropped.
  const changed = (): void => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      if (!form.current) return;
      const n = ++asked.current;
      api<Preview>('/api/changes/preview', { method: 'POST', json: bodyOf(form.current) })
        .then((p) => {
          if (n === asked.current) {
            setPreview(p);
            setMissing(null);
          }
        })
        .catch((e: unknown) => {
          if (n === asked.current) {
            setPreview(null);
            setMissing(e instanceof Error ? e.message : String(e));
          }
        });
    }, 300);
  };
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const submit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const el = e.currentTarget;
    setBusy(true);
    setError(null);
    try {
      const made = await api<ApiChange>('/api/changes', { method: 'POST', json: bodyOf(el) });
      el.reset();
      setPreview(null);
      setMissing(null);
      setType('firewall');
      onDone({ ok: true, text: `Change ${made.id}: ${made.summary}` });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const needs = (...ts: string[]): boolean => ts.includes(type);
  return (
    <section aria-labelledby="c-request">
      <h2 id="c-request">Request a change</h2>
      <div className="two">
        <form
          ref={form}
          onSubmit={(e) => void submit(e)}
          onInput={changed}
          onChange={changed}
          className="stack"
          aria-label="Request a change">
          <label htmlFor="c-type">Type</label>
          <select id="c-type" name="type" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t} value={t}>
                {words(t.replace('-', ' '))}
              </option>
            ))}
          </select>
          <label htmlFor="c-service">Service</label>
          <select id="c-service" name="service" defaultValue="">
            <option value="">Choose a service</option>
            {services.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.owner})
              </option>
            ))}
          </select>
          <label htmlFor="c-title">What it is for</label>
          <input id="c-title" name="title" maxLength={200} />
          <label htmlFor="c-protocol">
            Protocol <span className="sub">(e.g. https, sftp, ftp, rdp)</span>
          </label>
          <input id="c-protocol" name="protocol" maxLength={40} />
          <label htmlFor="c-ports">
            Ports <span className="sub">(21, or a range 30000-30010)</span>
          </label>
          <input id="c-ports" name="ports" />
          <label htmlFor="c-source">
            Who may connect <span className="sub">(IPs or ranges, or "any")</span>
          </label>
          <input id="c-source" name="source" />
          <label htmlFor="c-destination">Hosts it opens</label>
          <input id="c-destination" name="destination" />
          {needs('file-share', 'remote-access', 'firewall') && (
            <>
              <label htmlFor="c-auth">Sign-in</label>
              <select id="c-auth" name="authentication" defaultValue="">
                <option value="">Not stated</option>
                {auths.map((a) => (
                  <option key={a} value={a}>
                    {words(a.replace('-', ' '))}
                  </option>
                ))}
              </select>
            </>
          )}
          {needs('privileged-access', 'file-share', 'remote-access') && (
            <>
              <label htmlFor="c-account">Account</label>
              <input id="c-account" name="account" />
            </>
          )}
          {needs('privileged-access') && (
            <>
              <label htmlFor="c-system">System</label>
              <input id="c-system" name="system" />
            </>
          )}
          {needs('remote-access', 'third-party') && (
            <>
              <label htmlFor="c-vendor">Vendor</label>
              <input id="c-vendor" name="vendor" />
            </>
          )}
          {needs('cloud-exposure') && (
            <>
              <label htmlFor="c-resource">Resource</label>
              <input id="c-resource" name="resource" />
            </>
          )}
          <label htmlFor="c-data">Data it carries</label>
          <select id="c-data" name="dataClass" defaultValue="">
            <option value="">As the service's</option>
            {dataClasses.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          <label className="inline">
            <input type="checkbox" name="internetFacing" value="true" /> Reachable from the internet
          </label>
          <label htmlFor="c-end">Ends on</label>
          <input id="c-end" name="end" type="date" />
          <label htmlFor="c-description">Description</label>
          <textarea id="c-description" name="description" rows={2} maxLength={5000} />
          {preview?.riskCheck.alternativeFirst && (
            <>
              <label htmlFor="c-keep">
                Why {preview.riskCheck.protocolLabel ?? 'it'} rather than the safer way{' '}
                <span className="sub">(leave empty to take the safer way)</span>
              </label>
              <textarea id="c-keep" name="keepProtocol" rows={2} maxLength={1000} />
            </>
          )}
          <button type="submit" disabled={busy}>
            Request the change
          </button>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </form>
        <section className="panel sticky" aria-labelledby="c-check" aria-live="polite">
          <h3 id="c-check">Risk check</h3>
          {!preview && !missing && <p>The risk check shows here as you fill in the form.</p>}
          {missing && <p>Still needed: {missing}</p>}
          {preview && (
            <dl className="facts">
              <dt>Risk</dt>
              <dd>
                <span className={`badge r-${preview.risk}`}>{preview.risk}</span>
              </dd>
              <dt>Safeguards</dt>
              <dd>
                {preview.riskCheck.safeguards.length ? (
                  <ul className="plain">
                    {preview.riskCheck.safeguards.map((s) => (
                      <li key={s.id}>{s.title}</li>
                    ))}
                  </ul>
                ) : (
                  'none needed'
                )}
              </dd>
              <dt>Approvals</dt>
              <dd>
                {preview.approvals.awaiting.length
                  ? preview.approvals.awaiting.join(' and ')
                  : 'none: a standard change'}
              </dd>
              <dt>Longest lease</dt>
              <dd>
                {preview.longestLeaseDays} days{preview.endsAt && `, this one until ${day(preview.endsAt)}`}
              </dd>
              <dt>In words</dt>
              <dd>{preview.riskCheck.message}</dd>
            </dl>
          )}
        </section>
      </div>
    </section>
  );
}
