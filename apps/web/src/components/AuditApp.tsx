import type { ReactNode } from 'react';
import type { AppLocation } from '../hooks/useLocation';
import { AreaShell } from './AreaShell';
import { DecisionHistoryPage } from './DecisionHistoryPage';
import { EventLogPage } from './EventLogPage';
import { ItemTimelinePage } from './ItemTimelinePage';
import { NotFoundPage } from './NotFoundPage';
import type { Tab } from './TabNav';

const TABS: readonly Tab[] = [
  { id: 'decisions', label: 'Decisions', path: '/audit' },
  { id: 'events', label: 'Event log', path: '/audit/events' },
];

const ITEM = /^\/audit\/items\/([^/]+)\/?$/;

interface AuditAppProps {
  location: AppLocation;
  nav: ReactNode;
  onLogout: () => void;
}

/** Auditors (and admins): decision history with exports, each item's timeline, the event log, the chain. */
export function AuditApp({ location, nav, onLogout }: AuditAppProps) {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const item = ITEM.exec(location.pathname);
  let tab = 'decisions';
  let page: ReactNode;
  if (path === '/audit' || path === '/audit/decisions') {
    page = <DecisionHistoryPage search={location.search} />;
  } else if (item?.[1]) {
    const back = new URLSearchParams(location.search).get('back') ?? '';
    page = <ItemTimelinePage itemId={decodeURIComponent(item[1])} backSearch={back} />;
  } else if (path === '/audit/events') {
    tab = 'events';
    page = <EventLogPage preset="all" search={location.search} basePath="/audit/events" />;
  } else {
    tab = '';
    page = <NotFoundPage home="/audit" homeLabel="Decisions" />;
  }
  return (
    <AreaShell
      nav={nav}
      onLogout={onLogout}
      page={path}
      area="Audit"
      tabs={TABS}
      activeTab={tab}
      tabsLabel="Audit pages"
    >
      {page}
    </AreaShell>
  );
}
