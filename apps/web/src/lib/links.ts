import type { MouseEvent } from 'react';
import type { Navigate } from '../hooks/useLocation';

/**
 * The click handler of an in-app link: a plain click navigates without a reload, while modified and
 * middle clicks keep the browser's own behaviour (new tab, new window), which is why these are real links.
 */
export function inAppClick(navigate: Navigate, path: string) {
  return (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(path);
  };
}
