/** The Findings page: the API's list with its filters, sort and pages, all held in the address (a link shows the same view). */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from './api.ts';
import type { Exception, Finding, FindingsPage, Me, SavedView, Services, Teams } from './api-types.ts';
import { FindingsTable, kinds, priorities, statuses, words } from './format.tsx';
import { Link, navigate, useLocation, useTitle } from './router.tsx';

// The list's query parameters the page keeps in its address, as GET /api/findings names them.
const keys = ['service', 'priority', 'status', 'kind', 'overdue', 'q', 'sort', 'cursor'] as const;
const sorts = { priority: 'Most urgent first', due: 'Due soonest', severity: 'Most severe', newest: 'Newest' } as const;

const writers = ['admin', 'security', 'engineer'];

/** The list of findings. */
export function Findings({ me }: { me: Me }) {
  const { query } = useLocation();
  useTitle('Findings');
  const search = query.toString();
  const [page, setPage] = useState<FindingsPage | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<number>>(new Set());
  const [reloads, setReloads] = useState(0);
  const shown = useRef<string | null>(null);
  const select = useCallback(
    (ids: number[], on: boolean) =>
      setChosen((was) => {
        const next = new Set(was);
        for (const id of ids) {
          if (on) next.add(id);
          else next.delete(id);
        }
        return next;
      }),
    [],
  );
  const [error, setError] = useState<string | null>(null);
  const [services, setServices] = useState<string[]>([]);

  useEffect(() => {
    api<Services>('/api/services')
      .then((r) => setServices(r.items.map((s) => s.name)))
      .catch(() => setServices([]));
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `query` is read from `search`; `reloads` is bumped to read the same view again
  useEffect(() => {
    let live = true;
    const params = new URLSearchParams();
    for (const k of keys) {
      const v = query.get(k);
      if (v) params.set(k, v);
    }
    params.set('limit', '50');
    // Not the last view's rows under this view's filter while the new page loads; a new view starts with nothing selected.
    // Reading the same view again (after a bulk action) keeps the rows and the bar with its outcome on screen.
    if (shown.current !== search) {
      setPage(null);
      shown.current = search;
    }
    setChosen(new Set());
    setError(null);
    api<FindingsPage>(`/api/findings?${params}`)
      .then((p) => {
        if (live) setPage(p);
      })
      .catch((e: unknown) => {
        if (live) {
          setPage(null);
          setError(e instanceof Error ? e.message : String(e));
        }
      });
    return () => {
      live = false;
    };
  }, [search, reloads]);

  const apply = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const k of ['service', 'status', 'kind', 'q', 'sort'] as const) {
      const v = String(form.get(k) ?? '').trim();
      if (v && !(k === 'sort' && v === 'priority')) next.set(k, v);
    }
    const chosen = form.getAll('priority').map(String);
    if (chosen.length) next.set('priority', chosen.join(','));
    if (form.get('overdue')) next.set('overdue', 'true');
    navigate(`/findings${next.toString() ? `?${next}` : ''}`);
  };

  const withCursor = (cursor: string | null): string => {
    const p = new URLSearchParams(query);
    if (cursor) p.set('cursor', cursor);
    else p.delete('cursor');
    return `/findings${p.toString() ? `?${p}` : ''}`;
  };
  const chosenPriorities = (query.get('priority') ?? '').split(',');

  return (
    <>
      <h1>Findings</h1>
      {/* key: a shared link or the back button re-fills the form from the address */}
      <form key={search} onSubmit={apply} className="filters" aria-label="Filter findings">
        <div>
          <label htmlFor="f-service">Service</label>
          <select id="f-service" name="service" defaultValue={query.get('service') ?? ''}>
            <option value="">Any service</option>
            {[...new Set([...services, ...(query.get('service') ? [query.get('service')!] : [])])].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>Priority</legend>
          {priorities.map((p) => (
            <label key={p} className="inline">
              <input type="checkbox" name="priority" value={p} defaultChecked={chosenPriorities.includes(p)} /> {p}
            </label>
          ))}
        </fieldset>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" name="status" defaultValue={query.get('status') ?? ''}>
            <option value="">Open and in progress</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {words(s)}
              </option>
            ))}
            <option value="all">Any status</option>
          </select>
        </div>
        <div>
          <label htmlFor="f-kind">Kind</label>
          <select id="f-kind" name="kind" defaultValue={query.get('kind') ?? ''}>
            <option value="">Any kind</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-q">Text</label>
          <input
            id="f-q"
            name="q"
            type="search"
            maxLength={200}
            defaultValue={query.get('q') ?? ''}
            placeholder="title, file, package, URL, rule"
          />
        </div>
        <div>
          <label htmlFor="f-sort">Sort</label>
          <select id="f-sort" name="sort" defaultValue={query.get('sort') ?? 'priority'}>
            {Object.entries(sorts).map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <label className="inline">
          <input type="checkbox" name="overdue" value="true" defaultChecked={query.get('overdue') === 'true'} /> Overdue
          only
        </label>
        <div className="actions">
          <button type="submit">Show findings</button>
          <Link href="/findings">Clear</Link>
        </div>
      </form>
      <SavedViews me={me} search={search} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!page && !error && <p aria-live="polite">Loading findings…</p>}
      {page && page.items.length === 0 && <p>No findings match{query.get('cursor') ? ' on this page' : ''}.</p>}
      {page && page.items.length > 0 && writers.includes(me.role) && (
        <BulkActions chosen={page.items.filter((f) => chosen.has(f.id))} onDone={() => setReloads((n) => n + 1)} />
      )}
      {page && page.items.length > 0 && (
        <FindingsTable
          items={page.items}
          caption={query.get('cursor') ? 'Findings (a later page)' : 'Findings'}
          {...(writers.includes(me.role) ? { selection: { chosen, set: select } } : {})}
        />
      )}
      <nav aria-label="Pages" className="pager">
        {query.get('cursor') && <Link href={withCursor(null)}>First page</Link>}
        {page?.next && <Link href={withCursor(page.next)}>Next page</Link>}
      </nav>
    </>
  );
}

// Runs `fn` over the items, a few at a time (one request per finding through the API; fast enough for a page of 50).
async function eachOf<T>(items: T[], fn: (x: T) => Promise<unknown>, width = 6): Promise<{ item: T; error: string }[]> {
  const failed: { item: T; error: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed.push({ item, error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return failed;
}

/** What to do with the selected rows: assign, mark false positive (with a reason), or ask for one exception for them all. */
function BulkActions({ chosen, onDone }: { chosen: Finding[]; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const n = chosen.length;
  const many = (k: number): string => `${k} finding${k === 1 ? '' : 's'}`;
  const run = async (e: FormEvent<HTMLFormElement>, act: (form: FormData) => Promise<string | null>): Promise<void> => {
    e.preventDefault();
    const el = e.currentTarget;
    if (n === 0) {
      setNotice({ ok: false, text: 'select the findings first (the boxes in the first column)' });
      return;
    }
    setBusy(true);
    setNotice(null);
    try {
      const done = await act(new FormData(el));
      if (done !== null) {
        el.reset();
        setNotice({ ok: true, text: done });
        onDone();
      }
    } catch (err) {
      setNotice({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  const patchAll = async (body: Record<string, unknown>, said: string): Promise<string> => {
    const failed = await eachOf(chosen, (f) => api(`/api/findings/${f.id}`, { method: 'PATCH', json: body }));
    if (failed.length === 0) return said;
    throw new Error(
      `${n - failed.length} of ${many(n)} changed; ${failed.map((x) => `finding ${x.item.id}: ${x.error}`).join('; ')}`,
    );
  };
  const assign = (f: FormData): Promise<string | null> => {
    const who = String(f.get('assignee') ?? '').trim();
    if (!who) {
      setNotice({ ok: false, text: 'write the e-mail address of the person to assign them to (Assign to)' });
      return Promise.resolve(null);
    }
    return patchAll({ assignee: who }, `Assigned ${many(n)} to ${who}.`);
  };
  const falsePositive = (f: FormData): Promise<string | null> => {
    const reason = String(f.get('reason') ?? '').trim();
    if (!reason) {
      setNotice({ ok: false, text: 'say why they are false positives (Reason), so the next reader knows' });
      return Promise.resolve(null);
    }
    return patchAll({ status: 'false_positive', comment: reason }, `Marked ${many(n)} as false positive.`);
  };
  const exception = async (f: FormData): Promise<string | null> => {
    const reason = String(f.get('reason') ?? '').trim();
    const controls = String(f.get('controls') ?? '')
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean);
    if (!reason) {
      setNotice({ ok: false, text: 'say why the risk can be accepted for a while (Reason)' });
      return null;
    }
    const made = await api<Exception>('/api/exceptions', {
      method: 'POST',
      json: { findingIds: chosen.map((x) => x.id), reason, controls },
    });
    return `Exception ${made.id}: ${made.summary}`;
  };
  return (
    <section aria-labelledby="bulk" className="bulk">
      <h2 id="bulk" className="visually-hidden">
        With the selected findings
      </h2>
      <p aria-live="polite">
        <strong>{n === 0 ? 'No finding selected' : `${many(n)} selected`}</strong>
      </p>
      <form onSubmit={(e) => void run(e, assign)} aria-label="Assign the selected findings">
        <div>
          <label htmlFor="b-assignee">Assign to</label>
          <input id="b-assignee" name="assignee" type="email" placeholder="name@example.com" />
        </div>
        <button type="submit" disabled={busy}>
          Assign
        </button>
      </form>
      <form onSubmit={(e) => void run(e, falsePositive)} aria-label="Mark the selected findings as false positives">
        <div>
          <label htmlFor="b-fp">Reason they are false positives</label>
          <input id="b-fp" name="reason" maxLength={2000} />
        </div>
        <button type="submit" disabled={busy}>
          Mark false positive
        </button>
      </form>
      <form onSubmit={(e) => void run(e, exception)} aria-label="Ask for an exception for the selected findings">
        <div>
          <label htmlFor="b-ex-reason">Reason for an exception</label>
          <input id="b-ex-reason" name="reason" maxLength={5000} />
        </div>
        <div>
          <label htmlFor="b-ex-controls">Controls meanwhile (one a line)</label>
          <textarea id="b-ex-controls" name="controls" rows={1} maxLength={5000} />
        </div>
        <button type="submit" disabled={busy}>
          Ask for an exception
        </button>
      </form>
      {notice?.ok && <p role="status">{notice.text}</p>}
      {notice && !notice.ok && (
        <p role="alert" className="error">
          {notice.text}
        </p>
      )}
    </section>
  );
}

/** The team's saved views (links to the list with their filter), and saving the current filter under a name. */
function SavedViews({ me, search }: { me: Me; search: string }) {
  const [views, setViews] = useState<SavedView[] | null>(null);
  const [teams, setTeams] = useState<string[]>(me.teams);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const load = useCallback(() => {
    api<{ items: SavedView[] }>('/api/views')
      .then((r) => setViews(r.items))
      .catch(() => setViews([]));
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    if (me.role === 'security' || me.role === 'admin')
      api<Teams>('/api/teams')
        .then((r) => setTeams(r.items.map((t) => t.name)))
        .catch(() => undefined);
  }, [me.role]);
  const filter = new URLSearchParams(search);
  filter.delete('cursor');
  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    const el = e.currentTarget;
    const f = new FormData(el);
    const name = String(f.get('name') ?? '').trim();
    if (!name) {
      setNotice({ ok: false, text: 'give the view a name the team will recognise (View name)' });
      return;
    }
    try {
      const v = await api<SavedView>('/api/views', {
        method: 'POST',
        json: { team: String(f.get('team') ?? ''), name, query: filter.toString() },
      });
      el.reset();
      setNotice({ ok: true, text: `Saved “${v.name}” for ${v.team}.` });
      load();
    } catch (err) {
      setNotice({ ok: false, text: err instanceof Error ? err.message : String(err) });
    }
  };
  const remove = async (v: SavedView): Promise<void> => {
    try {
      await api(`/api/views/${v.id}`, { method: 'DELETE' });
      setNotice({ ok: true, text: `Deleted “${v.name}” of ${v.team}.` });
      load();
    } catch (err) {
      setNotice({ ok: false, text: err instanceof Error ? err.message : String(err) });
    }
  };
  const canSave = writers.includes(me.role) && teams.length > 0;
  return (
    <section aria-labelledby="views" className="panel">
      <h2 id="views">Saved views</h2>
      {views && views.length === 0 && (
        <p>No saved view yet{canSave ? ': set a filter above and save it for your team' : ''}.</p>
      )}
      {views && views.length > 0 && (
        <ul>
          {views.map((v) => (
            <li key={v.id}>
              <Link href={`/findings${v.query ? `?${v.query}` : ''}`}>{v.name}</Link>{' '}
              <span className="sub">({v.team})</span>
              {canSave && (
                <>
                  {' '}
                  <button
                    type="button"
                    className="link"
                    onClick={() => void remove(v)}
                    aria-label={`Delete view ${v.name} of ${v.team}`}>
                    Delete
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {canSave && (
        <form onSubmit={(e) => void save(e)} className="filters" aria-label="Save this view">
          <div>
            <label htmlFor="v-name">View name</label>
            <input id="v-name" name="name" maxLength={100} />
          </div>
          <div>
            <label htmlFor="v-team">For team</label>
            <select id="v-team" name="team" defaultValue={me.teams[0] ?? teams[0]}>
              {teams.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="actions">
            <button type="submit">Save this view</button>
          </div>
        </form>
      )}
      {notice?.ok && <p role="status">{notice.text}</p>}
      {notice && !notice.ok && (
        <p role="alert" className="error">
          {notice.text}
        </p>
      )}
    </section>
  );
}
