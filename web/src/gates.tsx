/**
 * Gates: the release decisions per service and environment (the latest of each, and its history), and one decision's
 * receipt: why, the controls it asks for and the commitments behind them, the path to go, and what changed since the
 * last go.
 */
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { Gate, GateItem, SinceLastGo } from './api-types.ts';
import { when, words } from './format.tsx';
import { CommitmentState } from './commitments.tsx';
import { Link, navigate, useLocation, useTitle } from './router.tsx';

type Outcome = GateItem['outcome'];
type Reason = Gate['reasons'][number];

const outcomeWords: Record<Outcome, string> = { go: 'go', go_with_controls: 'go with controls', no_go: 'no-go' };

/** The outcome as a badge; the words say it, the colour only repeats it. */
function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  return <span className={`badge o-${outcome}`}>{outcomeWords[outcome]}</span>;
}

/** The Gates page: the latest decision of each service and environment, or the history of one pair (?service=&env=). */
export function Gates() {
  const { query } = useLocation();
  const service = query.get('service') ?? '';
  const env = query.get('env') ?? '';
  useTitle(service ? `Gates: ${service}${env ? ` in ${env}` : ''}` : 'Gates');
  const [items, setItems] = useState<GateItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const params = new URLSearchParams({ limit: '500' });
    if (service) params.set('service', service);
    if (env) params.set('env', env);
    setItems(null);
    api<{ items: GateItem[] }>(`/api/gates?${params}`)
      .then((r) => {
        if (live) {
          setItems(r.items);
          setError(null);
        }
      })
      .catch((e: unknown) => {
        if (live) setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [service, env]);

  // Newest first from the API: the first of each pair is its latest.
  const latest = new Map<string, GateItem>();
  for (const g of items ?? [])
    if (!latest.has(`${g.service}\u0000${g.environment}`)) latest.set(`${g.service}\u0000${g.environment}`, g);
  const pairs = [...latest.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.environment.localeCompare(b.environment),
  );

  return (
    <>
      <h1>Gates</h1>
      <p>
        Each release decision Entente made, per service and environment: go, go with controls (commitments to keep), or
        no-go with the path to go.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!items && !error && <p aria-live="polite">Loading…</p>}
      {items && items.length === 0 && (
        <p>
          No release decision yet{service ? ` for ${service}${env ? ` in ${env}` : ''}` : ''}.{' '}
          <code>entente gate --service NAME --env prod</code> makes one.
        </p>
      )}
      {items && items.length > 0 && !service && (
        <table>
          <caption>Latest decision per service and environment</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Environment</th>
              <th scope="col">Outcome</th>
              <th scope="col">Version</th>
              <th scope="col">Decided</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.service}
                  <div className="sub">{g.team}</div>
                </td>
                <td>{g.environment}</td>
                <td>
                  <Link href={`/gates/${g.id}`}>
                    <OutcomeBadge outcome={g.outcome} /> decision {g.id}
                    <span className="visually-hidden">
                      {' '}
                      for {g.service} in {g.environment}
                    </span>
                  </Link>
                </td>
                <td>{g.version ?? '—'}</td>
                <td>{when(g.decidedAt)}</td>
                <td>
                  <Link
                    href={`/gates?service=${encodeURIComponent(g.service)}&env=${encodeURIComponent(g.environment)}`}>
                    All decisions
                    <span className="visually-hidden">
                      {' '}
                      for {g.service} in {g.environment}
                    </span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && items.length > 0 && service && (
        <>
          <p>
            <Link href="/gates">← Every service</Link>
          </p>
          <table>
            <caption>
              Decisions for {service}
              {env ? ` in ${env}` : ''}, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Decision</th>
                <th scope="col">Environment</th>
                <th scope="col">Outcome</th>
                <th scope="col">Version</th>
                <th scope="col">Decided</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {items.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Link href={`/gates/${g.id}`}>Decision {g.id}</Link>
                  </td>
                  <td>{g.environment}</td>
                  <td>
                    <OutcomeBadge outcome={g.outcome} />
                  </td>
                  <td>{g.version ?? '—'}</td>
                  <td>
                    {when(g.decidedAt)} <div className="sub">by {g.actor}</div>
                  </td>
                  <td>{g.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <form
        className="filters"
        aria-label="Decisions of one service"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const p = new URLSearchParams();
          for (const k of ['service', 'env']) {
            const v = String(f.get(k) ?? '').trim();
            if (v) p.set(k, v);
          }
          navigate(`/gates${p.toString() ? `?${p}` : ''}`);
        }}
        key={`${service} ${env}`}>
        <div>
          <label htmlFor="g-service">Service</label>
          <input id="g-service" name="service" defaultValue={service} />
        </div>
        <div>
          <label htmlFor="g-env">Environment</label>
          <input id="g-env" name="env" defaultValue={env} />
        </div>
        <div className="actions">
          <button type="submit">Show decisions</button>
        </div>
      </form>
    </>
  );
}

/** One decision's receipt. */
// A gate on a big service asks for a commitment per finding and control: a few are shown, the rest counted.
const perControl = 10;

/** "13,333 commitments: 13,320 open, 13 missed", when a control holds more than the page shows. */
function CountsOf({ g, controlId }: { g: Gate; controlId: string }) {
  const n = g.commitmentsByControl.find((c) => c.controlId === controlId);
  const total = n ? n.created + n.relied : 0;
  if (!n || total <= Math.min(perControl, g.commitments.filter((c) => c.controlId === controlId).length)) return null;
  const states = (
    [
      ['open', n.open],
      ['missed', n.missed],
      ['verified', n.verified],
      ['released', n.released],
    ] as const
  )
    .filter(([, x]) => x > 0)
    .map(([w, x]) => `${x.toLocaleString('en')} ${w}`)
    .join(', ');
  return (
    <p className="sub">
      {total.toLocaleString('en')} commitments in all: {states} (<code>entente commitments --gate {g.id}</code> lists
      them)
    </p>
  );
}

export function GatePage({ id }: { id: number }) {
  const [g, setG] = useState<Gate | null>(null);
  const [since, setSince] = useState<SinceLastGo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useTitle(g ? `Decision ${id}: ${outcomeWords[g.outcome]} for ${g.service}` : `Decision ${id}`);
  useEffect(() => {
    let live = true;
    setG(null);
    setSince(null);
    setError(null);
    api<Gate>(`/api/gates/${id}`)
      .then((x) => {
        if (live) setG(x);
      })
      .catch((e: unknown) => {
        if (live) setError(e instanceof Error ? e.message : String(e));
      });
    api<SinceLastGo>(`/api/gates/${id}/changes`)
      .then((x) => {
        if (live) setSince(x);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id]);

  if (error)
    return (
      <>
        <h1>Decision {id}</h1>
        <p role="alert" className="error">
          {error}
        </p>
        <p>
          <Link href="/gates">Back to Gates</Link>
        </p>
      </>
    );
  if (!g) return <p aria-live="polite">Loading decision {id}…</p>;
  const commitmentsOf = (controlId: string): Gate['commitments'] =>
    g.commitments.filter((c) => c.controlId === controlId);
  const unmatched = g.commitments.filter((c) => !g.controls.some((k) => k.id === c.controlId));
  return (
    <article>
      <p>
        <Link href={`/gates?service=${encodeURIComponent(g.service)}&env=${encodeURIComponent(g.environment)}`}>
          ← Decisions for {g.service} in {g.environment}
        </Link>
      </p>
      <h1>
        Decision {g.id}: {outcomeWords[g.outcome]} for {g.service} in {g.environment}
      </h1>
      <p className="lead">
        <OutcomeBadge outcome={g.outcome} /> {g.summary}
      </p>
      <section aria-labelledby="receipt">
        <h2 id="receipt">Receipt</h2>
        <dl className="facts">
          <dt>Where</dt>
          <dd>
            {g.service} in {g.environment}
          </dd>
          {g.version && (
            <>
              <dt>Version</dt>
              <dd>{g.version}</dd>
            </>
          )}
          {g.commit && (
            <>
              <dt>Commit</dt>
              <dd>
                <code>{g.commit}</code>
              </dd>
            </>
          )}
          <dt>Decided</dt>
          <dd>
            {when(g.decidedAt)} by {g.actor}
          </dd>
          <dt>Exit code</dt>
          <dd>{g.exitCode}</dd>
          <dt>Policy</dt>
          <dd>
            revision {g.policy.revision}, <code>{g.policy.digest.slice(0, 12)}</code>
          </dd>
          <dt>Facts</dt>
          <dd>
            <code>{g.inputDigest.slice(0, 12)}</code> (replay with <code>entente gate replay {g.id}</code>)
          </dd>
          {g.relied.exceptions.length > 0 && (
            <>
              <dt>Relied on</dt>
              <dd>{g.relied.exceptions.map((x) => `exception ${x}`).join(', ')}</dd>
            </>
          )}
        </dl>
      </section>
      {(g.reasons.length > 0 || g.warnings.length > 0) && (
        <section aria-labelledby="why">
          <h2 id="why">Why</h2>
          <ul>
            {g.reasons.map((r) => (
              <li key={`r ${r.ruleId}`}>
                <Reasoned r={r} />
              </li>
            ))}
            {g.warnings.map((r) => (
              <li key={`w ${r.ruleId}`}>
                <span className="badge">warning</span> <Reasoned r={r} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="controls">
        <h2 id="controls">Controls and commitments</h2>
        {g.controls.length === 0 && unmatched.length === 0 && <p>This decision asks for no control.</p>}
        {g.controls.length > 0 && (
          <table>
            <caption>Controls this decision asks for</caption>
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">How it is verified</th>
                <th scope="col">Commitments</th>
              </tr>
            </thead>
            <tbody>
              {g.controls.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.title}
                    <div className="sub">
                      {words(k.kind)}
                      {k.requirements.length ? ` · serves ${k.requirements.join(', ')}` : ''}
                    </div>
                  </td>
                  <td>
                    {k.verification.method === 'check'
                      ? `Entente checks it (${k.verification.detail})`
                      : k.verification.detail}
                  </td>
                  <td>
                    {commitmentsOf(k.id).length === 0 ? (
                      '—'
                    ) : (
                      <ul className="plain">
                        {commitmentsOf(k.id)
                          .slice(0, perControl)
                          .map((c) => (
                            <li key={c.id}>
                              <CommitmentState c={c} /> <Link href="/commitments">commitment {c.id}</Link>, due{' '}
                              {c.dueDate}
                            </li>
                          ))}
                      </ul>
                    )}
                    <CountsOf g={g} controlId={k.id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {unmatched.length > 0 && (
          <>
            <h3>Commitments it relied on</h3>
            <ul>
              {unmatched.map((c) => (
                <li key={c.id}>
                  <CommitmentState c={c} /> <Link href="/commitments">commitment {c.id}</Link>: {c.title}, due{' '}
                  {c.dueDate}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      {g.pathToGo.length > 0 && (
        <section aria-labelledby="path">
          <h2 id="path">The path to go</h2>
          <ol>
            {g.pathToGo.map((p) => (
              <li key={p.rank}>
                <p>
                  {p.text} <span className="sub">(then: {outcomeWords[p.outcome]})</span>
                </p>
                <ul>
                  {p.steps.map((s, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the steps of one answer, shown as they came, never reordered
                    <li key={i}>
                      {s.text}
                      {s.findingId !== undefined && (
                        <>
                          {' '}
                          · <Link href={`/findings/${s.findingId}`}>finding {s.findingId}</Link>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </section>
      )}
      <section aria-labelledby="since">
        <h2 id="since">What changed since the last go</h2>
        {!since && <p aria-live="polite">Loading…</p>}
        {since && (
          <>
            <p>
              {since.text}
              {since.since && (
                <>
                  {' '}
                  (<Link href={`/gates/${since.since.id}`}>decision {since.since.id}</Link>)
                </>
              )}
            </p>
            {since.changes.length > 0 && (
              <ul>
                {since.changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
    </article>
  );
}

function Reasoned({ r }: { r: Reason }) {
  return (
    <>
      {r.text}
      {r.findingIds.length > 0 && (
        <>
          {' '}
          ·{' '}
          {r.findingIds.slice(0, 10).map((f, i) => (
            <span key={f}>
              {i > 0 && ', '}
              <Link href={`/findings/${f}`}>finding {f}</Link>
            </span>
          ))}
          {r.findingIds.length > 10 && ` and ${r.findingIds.length - 10} more`}
        </>
      )}
    </>
  );
}
