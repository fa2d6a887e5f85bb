/** A Finding's page: what and where, its priority and why, when it is due, which tools report it, and its history. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { AuditPage, FindingDetail, Me, ToneResult } from './api-types.ts';
import { PriorityBadge, day, when, whereOf, words } from './format.tsx';
import { Link, useTitle } from './router.tsx';

// Roles that may change findings (each within its reach; the server decides).
const writers = ['admin', 'security', 'engineer'];
// Statuses a person may set (accepted comes from an exception).
const settable = ['open', 'in_progress', 'fixed', 'false_positive'] as const;

// Roles that may read the audit log, and so see a finding's history beyond its comments.
const auditReaders = ['admin', 'security', 'auditor'];

/** One finding by id. */
export function FindingPage({ id, me }: { id: number; me: Me }) {
  const [f, setF] = useState<FindingDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<AuditPage['items'] | null>(null);
  useTitle(f ? f.title : `Finding ${id}`);

  useEffect(() => {
    let live = true;
    setF(null);
    setError(null);
    api<FindingDetail>(`/api/findings/${id}`)
      .then((x) => {
        if (live) setF(x);
      })
      .catch((e: unknown) => {
        if (live) setError(e instanceof Error ? e.message : String(e));
      });
    if (auditReaders.includes(me.role)) {
      api<AuditPage>(`/api/audit?entity=finding&entityId=${id}&limit=100`)
        .then((h) => {
          if (live) setHistory(h.items);
        })
        .catch(() => undefined);
    }
    return () => {
      live = false;
    };
  }, [id, me.role]);

  if (error)
    return (
      <>
        <h1>Finding {id}</h1>
        <p role="alert" className="error">
          {error}
        </p>
        <p>
          <Link href="/findings">Back to Findings</Link>
        </p>
      </>
    );
  if (!f) return <p aria-live="polite">Loading finding {id}…</p>;
  const ids = [...f.aliases, ...f.cwes.map((c) => `CWE-${c}`)];
  return (
    <article>
      <p>
        <Link href="/findings">← Findings</Link>
      </p>
      <h1>{f.title}</h1>
      <dl className="facts">
        <dt>Where</dt>
        <dd>
          {f.service} ({f.ownerTeam}): {whereOf(f)}
        </dd>
        <dt>Priority</dt>
        <dd>
          <PriorityBadge priority={f.priority} /> {f.severity} severity
          {f.cvss.score !== null && `, CVSS ${f.cvss.score}`}
        </dd>
        <dt>Due</dt>
        <dd>
          {f.dueDate}
          {f.overdue && (
            <>
              {' '}
              <span className="badge overdue">overdue</span>
            </>
          )}
        </dd>
        <dt>Status</dt>
        <dd>
          {words(f.status)}
          {f.assignee && `, assigned to ${f.assignee}`}
        </dd>
        <dt>Kind</dt>
        <dd>{f.kind}</dd>
        {ids.length > 0 && (
          <>
            <dt>Identifiers</dt>
            <dd>{ids.join(', ')}</dd>
          </>
        )}
        {f.component.fixedVersion && (
          <>
            <dt>Fixed in</dt>
            <dd>
              {f.component.name} {f.component.fixedVersion}
            </dd>
          </>
        )}
        {(f.kev || f.epss !== null) && (
          <>
            <dt>Exploitation</dt>
            <dd>
              {[f.kev && 'known exploited (KEV)', f.epss !== null && `EPSS ${(f.epss * 100).toFixed(1)}%`]
                .filter(Boolean)
                .join(', ')}
            </dd>
          </>
        )}
      </dl>
      <section aria-labelledby="why">
        <h2 id="why">Why this priority</h2>
        {f.priorityReasons.length ? (
          <ul>
            {f.priorityReasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ) : (
          <p>No particular reason beyond its severity.</p>
        )}
      </section>
      {f.description && (
        <section aria-labelledby="what">
          <h2 id="what">Description</h2>
          <p className="prose">{f.description}</p>
        </section>
      )}
      <section aria-labelledby="sources">
        <h2 id="sources">Sources</h2>
        <table>
          <caption>Tools that report this finding</caption>
          <thead>
            <tr>
              <th scope="col">Tool</th>
              <th scope="col">Rule</th>
              <th scope="col">Still reported</th>
            </tr>
          </thead>
          <tbody>
            {f.sources.map((s) => (
              <tr key={`${s.tool} ${s.ruleId}`}>
                <td>{s.tool}</td>
                <td>{s.ruleId}</td>
                <td>{s.present ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {writers.includes(me.role) && <WorkOnIt finding={f} onSaved={setF} />}
      <section aria-labelledby="history">
        <h2 id="history">History</h2>
        <ul>
          <li>
            First seen {when(f.firstSeenAt)}, last reported {when(f.lastSeenAt)}
          </li>
          {f.fixedAt && <li>Fixed {when(f.fixedAt)}</li>}
          {f.reopenedCount > 0 && (
            <li>
              Reopened {f.reopenedCount} time{f.reopenedCount === 1 ? '' : 's'}
            </li>
          )}
          {history?.map((h) => (
            <li key={h.id}>
              {when(h.at)}: {h.action} by {h.actor}
            </li>
          ))}
        </ul>
        {f.comments.length > 0 && (
          <>
            <h3>Comments</h3>
            <ol className="comments">
              {f.comments.map((c) => (
                <li key={c.id}>
                  <p className="sub">
                    {c.author}, {day(c.createdAt)}
                  </p>
                  <p className="prose">{c.body}</p>
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
    </article>
  );
}

/**
 * The tone check of what is being typed, a moment after the typing stops (POST /api/tone): a suggestion shown beside
 * the box, never a block. A late answer for older text is dropped.
 */
function useToneCheck(text: string): ToneResult | null {
  const [tone, setTone] = useState<ToneResult | null>(null);
  const asked = useRef(0);
  useEffect(() => {
    const n = ++asked.current;
    if (!text.trim()) {
      setTone(null);
      return;
    }
    const t = setTimeout(() => {
      api<ToneResult>('/api/tone', { method: 'POST', json: { text } })
        .then((r) => {
          if (n === asked.current) setTone(r);
        })
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(t);
  }, [text]);
  return tone;
}

function ToneSuggestion({ tone, onRewrite }: { tone: ToneResult | null; onRewrite: (text: string) => void }) {
  return (
    <div aria-live="polite" id="w-tone">
      {tone && !tone.ok && (
        <div className="suggestion">
          <p>
            <strong>A suggestion on tone</strong> (you can save as it is):
          </p>
          <ul>
            {tone.flags.map((f) => (
              <li key={`${f.ruleId} ${f.text}`}>
                “{f.text}”: {f.why} {f.suggestion}
              </li>
            ))}
          </ul>
          {tone.rewrite && (
            <p>
              Perhaps: “{tone.rewrite}”{' '}
              <button type="button" className="link" onClick={() => onRewrite(tone.rewrite!)}>
                Use this wording
              </button>
            </p>
          )}
        </div>
      )}
    </div>
  );
}

// Status and a comment, sent as one PATCH (with the session's CSRF header, which api() adds).
function WorkOnIt({ finding, onSaved }: { finding: FindingDetail; onSaved: (f: FindingDetail) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [comment, setComment] = useState('');
  const tone = useToneCheck(comment);
  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const status = String(data.get('status'));
    const comment = String(data.get('comment') ?? '').trim();
    const body: Record<string, string> = {};
    if (status !== finding.status) body.status = status;
    if (comment) body.comment = comment;
    if (!Object.keys(body).length) {
      setError('change the status or write a comment first');
      return;
    }
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const next = await api<FindingDetail>(`/api/findings/${finding.id}`, { method: 'PATCH', json: body });
      onSaved(next);
      form.reset();
      setComment('');
      setSaved('Saved.');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const open = settable.includes(finding.status as (typeof settable)[number]);
  return (
    <section aria-labelledby="work">
      <h2 id="work">Work on it</h2>
      <form key={`${finding.status} ${finding.comments.length}`} onSubmit={(e) => void save(e)} className="stack">
        {open && (
          <>
            <label htmlFor="w-status">Status</label>
            <select id="w-status" name="status" defaultValue={finding.status}>
              {settable.map((s) => (
                <option key={s} value={s}>
                  {words(s)}
                </option>
              ))}
            </select>
          </>
        )}
        {!open && <input type="hidden" name="status" value={finding.status} />}
        <label htmlFor="w-comment">Comment</label>
        <textarea
          id="w-comment"
          name="comment"
          rows={3}
          maxLength={20000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          aria-describedby="w-tone"
        />
        <ToneSuggestion tone={tone} onRewrite={setComment} />
        <button type="submit" disabled={busy}>
          Save
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {saved && <p role="status">{saved}</p>}
      </form>
    </section>
  );
}
