import { useCallback, useEffect, useState } from 'react';

export type Route = { name: 'queues' } | { name: 'workspace'; slug: string };

const WORKSPACE = /^\/queues\/([a-z0-9][a-z0-9-]{1,62})\/?$/;

export function parseRoute(pathname: string): Route {
  const match = WORKSPACE.exec(pathname);
  return match?.[1] ? { name: 'workspace', slug: match[1] } : { name: 'queues' };
}

export function workspacePath(slug: string): string {
  return `/queues/${slug}`;
}

/** The route from the address bar, and a way to change it without reloading (the server falls back to the SPA). */
export function useRoute(): [Route, (path: string) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((path: string) => {
    if (path !== window.location.pathname) window.history.pushState(null, '', path);
    setRoute(parseRoute(path));
  }, []);
  return [route, navigate];
}
