/** Home: what is due this week (or overdue) for the signed-in person's teams, most pressing first. */
import { useEffect, useState } from 'react';
import { api, type Finding, type Me, type Page } from './api.ts';
import { FindingsTable } from './format.tsx';
import { Link, useTitle } from './router.tsx';

/** The home page. */
export function Home({ me }: { me: Me }) {
  useTitle('Due this week');
  const [items, setItems] = useState<Finding[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const weekEnd = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    // Sorted by due date: the first page holds everything due within the week unless there are more than 200.
    api<Page<Finding>>('/api/findings?sort=due&limit=200')
      .then((p) => setItems(p.items.filter((f) => f.dueDate <= weekEnd)))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  const whose = me.role === 'engineer' ? (me.teams.join(', ') || 'your teams') : 'every team';
  return (
    <>
      <h1>Due this week</h1>
      <p>Open findings of {whose} due in the next seven days or overdue. <Link href="/findings?sort=due">All findings by due date</Link></p>
      {error && <p role="alert" className="error">{error}</p>}
      {!items && !error && <p aria-live="polite">Loading…</p>}
      {items && items.length === 0 && <p>Nothing is due this week.</p>}
      {items && items.length > 0 && <FindingsTable items={items} caption="Due this week" />}
    </>
  );
}
