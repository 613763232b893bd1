import { useEffect, useRef, type ReactNode } from 'react';
import { AppHeader } from './AppHeader';
import { useApiSession } from '../hooks/useApiSession';
import { homePath } from '../lib/areas';
import { TabNav, type Tab } from './TabNav';

interface AreaShellProps {
  nav: ReactNode;
  onLogout: () => void;
  /** Changes with the page, to move the focus to the new page's heading. */
  page: string;
  /** The area's name, its pages as tabs, the current one, and the tab bar's accessible name. */
  area: string;
  tabs: readonly Tab[];
  activeTab: string;
  tabsLabel: string;
  children: ReactNode;
}

/** The frame of the audit and admin areas: the header (without a live connection), the area's tabs and the page. */
export function AreaShell({
  nav,
  onLogout,
  page,
  area,
  tabs,
  activeTab,
  tabsLabel,
  children,
}: AreaShellProps) {
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
        <div className="area-bar">
          <span className="area-name">{area}</span>
          <TabNav tabs={tabs} active={activeTab} label={tabsLabel} navigate={navigate} />
        </div>
        {children}
      </main>
    </div>
  );
}
