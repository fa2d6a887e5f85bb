/** The web app's page for what a notification is about, when the server knows its public address (ENTENTE_PUBLIC_URL). */

// Entities with a page of their own take its id; the others open their list.
const pages: Record<string, (id: string) => string> = {
  finding: (id) => `/findings/${id}`,
  gate: (id) => `/gates/${id}`,
  review: (id) => `/reviews/${id}`,
  exception: () => '/exceptions',
  change: () => '/changes',
  commitment: () => '/commitments',
  goal: () => '/scorecard',
};

/** The absolute address of the entity's page, or null without a public address or for an entity without a page. */
export function pageOf(publicUrl: string | undefined, entity: string | null, entityId: string | null): string | null {
  if (!publicUrl || !entity || !entityId || !/^\d+$/.test(entityId)) return null;
  const page = pages[entity];
  return page ? `${publicUrl}${page(entityId)}` : null;
}
