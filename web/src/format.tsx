/** Small shared pieces of the pages: priority and status labels, dates, the findings table. */
import type { Finding } from './api-types.ts';
import { Link } from './router.tsx';

export const priorities = ['act', 'attend', 'track*', 'track'] as const;
export const statuses = ['open', 'in_progress', 'fixed', 'false_positive', 'accepted'] as const;
export const kinds = ['code', 'dependency', 'web', 'host', 'secret', 'config'] as const;

/** "in_progress" → "in progress". */
export const words = (s: string): string => s.replace(/_/g, ' ');

/** A day or a time as people read it (the ISO day, so every reader sees the same). */
export const day = (iso: string): string => iso.slice(0, 10);
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The priority as a badge whose class colours it (the text says it too). */
export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge p-${priority.replace('*', '-star')}`}>{priority}</span>;
}

/** Where a finding is: file and line, URL and parameter, host and port, or its package. */
export function whereOf(f: Pick<Finding, 'location' | 'component'>): string {
  const l = f.location;
  const parts: string[] = [];
  if (l.file) parts.push(l.line ? `${l.file}:${l.line}` : l.file);
  if (l.url) parts.push(l.parameter ? `${l.url} (parameter ${l.parameter})` : l.url);
  if (l.host) parts.push(l.port ? `${l.host}:${l.port}` : l.host);
  if (f.component.name)
    parts.push(f.component.version ? `${f.component.name} ${f.component.version}` : f.component.name);
  return parts.join(', ') || '—';
}

/** Row selection for a findings table: which ids are chosen, and how to change that. */
export interface Selection {
  chosen: ReadonlySet<number>;
  set: (ids: number[], on: boolean) => void;
}

/** A table of findings with a caption; titles link to the finding's page. With `selection`, each row has a checkbox. */
export function FindingsTable({
  items,
  caption,
  selection,
}: {
  items: Finding[];
  caption: string;
  selection?: Selection;
}) {
  const all = selection !== undefined && items.length > 0 && items.every((f) => selection.chosen.has(f.id));
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {selection && (
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select every finding on this page"
                checked={all}
                onChange={(e) =>
                  selection.set(
                    items.map((f) => f.id),
                    e.target.checked,
                  )
                }
              />
            </th>
          )}
          <th scope="col">Priority</th>
          <th scope="col">Finding</th>
          <th scope="col">Service</th>
          <th scope="col">Severity</th>
          <th scope="col">Status</th>
          <th scope="col">Due</th>
        </tr>
      </thead>
      <tbody>
        {items.map((f) => (
          <tr key={f.id}>
            {selection && (
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select finding ${f.id}: ${f.title}`}
                  checked={selection.chosen.has(f.id)}
                  onChange={(e) => selection.set([f.id], e.target.checked)}
                />
              </td>
            )}
            <td>
              <PriorityBadge priority={f.priority} />
            </td>
            <td>
              <Link href={`/findings/${f.id}`}>{f.title}</Link>
              <div className="sub">{whereOf(f)}</div>
            </td>
            <td>{f.service}</td>
            <td>{f.severity}</td>
            <td>
              {words(f.status)}
              {f.assignee && <div className="sub">{f.assignee}</div>}
            </td>
            <td>
              {f.dueDate}
              {f.overdue && (
                <>
                  {' '}
                  <span className="badge overdue">overdue</span>
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
