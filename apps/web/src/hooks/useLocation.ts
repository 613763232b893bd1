import { useCallback, useEffect, useState } from 'react';

export interface AppLocation {
  pathname: string;
  search: string;
}

export type Navigate = (path: string, options?: { replace?: boolean }) => void;

const current = (): AppLocation => ({ pathname: window.location.pathname, search: window.location.search });

/**
 * The whole address (path and query) for the role areas. Navigating announces itself with a `popstate`
 * event, so every other listener (the reviewer UI's useRoute) follows without a reload.
 */
export function useLocation(): [AppLocation, Navigate] {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const onPop = () => setLocation(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback<Navigate>((path, options) => {
    if (path !== window.location.pathname + window.location.search) {
      if (options?.replace) window.history.replaceState(null, '', path);
      else window.history.pushState(null, '', path);
    }
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [location, navigate];
}
