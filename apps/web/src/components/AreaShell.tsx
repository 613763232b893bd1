import { useEffect, useRef, type ReactNode } from 'react';
import { AppHeader } from './AppHeader';
import { useApiSession } from '../hooks/useApiSession';
import { homePath } from '../lib/areas';

interface AreaShellProps {
  nav: ReactNode;
  onLogout: () => void;
  /** Changes with the page, to move the focus to the new page's heading. */
  page: string;
  children: ReactNode;
}

/** The frame of the audit and admin areas: the header (without a live connection) and the page. */
export function AreaShell({ nav, onLogout, page, children }: AreaShellProps) {
  const { user, navigate } = useApiSession();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // After in-app navigation, put the focus on the new page's title (like a page load would reset it).
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false });
  }, [page]);
  return (
    <div className="app">
      <AppHeader user={user} onHome={() => navigate(homePath(user))} onLogout={onLogout} nav={nav} />
      <main className="app-main" ref={mainRef}>
        {children}
      </main>
    </div>
  );
}
