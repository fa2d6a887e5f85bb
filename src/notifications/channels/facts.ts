/** The facts of a notification as label/value pairs people read: "dueDate" → "Due date", nulls left out. */
import type { OutgoingNotification } from '../channel.ts';

const labels: Record<string, string> = {
  cve: 'CVE',
  cwe: 'CWE',
  id: 'Id',
  dueDate: 'Due date',
  ownerTeam: 'Team',
  team: 'Team',
  epss: 'EPSS',
  kev: 'Known exploited',
};

/** The facts that have a value, each with a label made from its key. */
export function factPairs(n: OutgoingNotification): { label: string; value: string }[] {
  return Object.entries(n.facts)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => ({ label: labelOf(k), value: String(v) }));
}

function labelOf(key: string): string {
  if (labels[key]) return labels[key];
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Cuts text to `max` characters with an ellipsis (the chat services refuse longer fields). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The label of the link back to the web app. */
export const openLabel = 'Open in Entente';
