/** The Findings page: the API's list with its filters, sort and pages, all held in the address (a link shows the same view). */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Finding, type Page } from './api.ts';
import { FindingsTable, kinds, priorities, statuses, words } from './format.tsx';
import { Link, navigate, useLocation, useTitle } from './router.tsx';

// The list's query parameters the page keeps in its address, as GET /api/findings names them.
const keys = ['service', 'priority', 'status', 'kind', 'overdue', 'q', 'sort', 'cursor'] as const;
const sorts = { priority: 'Most urgent first', due: 'Due soonest', severity: 'Most severe', newest: 'Newest' } as const;

/** The list of findings. */
export function Findings() {
  const { query } = useLocation();
  useTitle('Findings');
  const search = query.toString();
  const [page, setPage] = useState<Page<Finding> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [services, setServices] = useState<string[]>([]);

  useEffect(() => {
    api<{ items: { name: string }[] }>('/api/services').then((r) => setServices(r.items.map((s) => s.name))).catch(() => setServices([]));
  }, []);

  useEffect(() => {
    let live = true;
    const params = new URLSearchParams();
    for (const k of keys) { const v = query.get(k); if (v) params.set(k, v); }
    params.set('limit', '50');
    // Not the last view's rows under this view's filter while the new page loads.
    setPage(null);
    setError(null);
    api<Page<Finding>>(`/api/findings?${params}`)
      .then((p) => { if (live) setPage(p); })
      .catch((e: unknown) => { if (live) { setPage(null); setError(e instanceof Error ? e.message : String(e)); } });
    return () => { live = false; };
  }, [search]);

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
    if (cursor) p.set('cursor', cursor); else p.delete('cursor');
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
            {[...new Set([...services, ...(query.get('service') ? [query.get('service')!] : [])])].map((s) => <option key={s} value={s}>{s}</option>)}
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
            {statuses.map((s) => <option key={s} value={s}>{words(s)}</option>)}
            <option value="all">Any status</option>
          </select>
        </div>
        <div>
          <label htmlFor="f-kind">Kind</label>
          <select id="f-kind" name="kind" defaultValue={query.get('kind') ?? ''}>
            <option value="">Any kind</option>
            {kinds.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-q">Text</label>
          <input id="f-q" name="q" type="search" maxLength={200} defaultValue={query.get('q') ?? ''} placeholder="title, file, package, URL, rule" />
        </div>
        <div>
          <label htmlFor="f-sort">Sort</label>
          <select id="f-sort" name="sort" defaultValue={query.get('sort') ?? 'priority'}>
            {Object.entries(sorts).map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          </select>
        </div>
        <label className="inline"><input type="checkbox" name="overdue" value="true" defaultChecked={query.get('overdue') === 'true'} /> Overdue only</label>
        <div className="actions">
          <button type="submit">Show findings</button>
          <Link href="/findings">Clear</Link>
        </div>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {!page && !error && <p aria-live="polite">Loading findings…</p>}
      {page && page.items.length === 0 && <p>No findings match{query.get('cursor') ? ' on this page' : ''}.</p>}
      {page && page.items.length > 0 && <FindingsTable items={page.items} caption={query.get('cursor') ? 'Findings (a later page)' : 'Findings'} />}
      <nav aria-label="Pages" className="pager">
        {query.get('cursor') && <Link href={withCursor(null)}>First page</Link>}
        {page?.next && <Link href={withCursor(page.next)}>Next page</Link>}
      </nav>
    </>
  );
}
