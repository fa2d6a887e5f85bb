/** A small client-side router: the address bar is the state (path and query), links push to history. */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const changed = 'entente:navigate';

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(changed, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(changed, fn);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const here = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(here, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** Goes to `to` (a path with an optional query) without reloading the page. */
export function navigate(to: string): void {
  if (to === snapshot()) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(changed));
  window.scrollTo(0, 0);
}

/** A link that navigates in the app; modified clicks (new tab, download) are left to the browser. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    props.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  // biome-ignore lint/a11y: a real link: `href` comes in the props (required by the type), so keys and new tabs work as usual
  return <a {...props} onClick={onClick} />;
}

/** Names the page in the window's title (what a screen reader announces and a tab shows). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Entente`;
  }, [title]);
}
