import type { ReactNode } from 'react';
import type { AppLocation } from '../hooks/useLocation';
import { AdminApiKeysPage } from './AdminApiKeysPage';
import { AdminDeliveriesPage } from './AdminDeliveriesPage';
import { AdminQueuesPage } from './AdminQueuesPage';
import { AdminUsersPage } from './AdminUsersPage';
import { AreaShell } from './AreaShell';
import { EventLogPage } from './EventLogPage';
import { NotFoundPage } from './NotFoundPage';
import type { Tab } from './TabNav';

const TABS: readonly Tab[] = [
  { id: 'queues', label: 'Queues', path: '/admin/queues' },
  { id: 'users', label: 'Users', path: '/admin/users' },
  { id: 'api-keys', label: 'API keys', path: '/admin/api-keys' },
  { id: 'deliveries', label: 'Deliveries', path: '/admin/deliveries' },
  { id: 'activity', label: 'Activity log', path: '/admin/activity' },
];

interface AdminAppProps {
  location: AppLocation;
  nav: ReactNode;
  onLogout: () => void;
}

/** Admins: queues, users and roles, service API keys, webhook deliveries, and the log of admin actions. */
export function AdminApp({ location, nav, onLogout }: AdminAppProps) {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  let tab = '';
  let page: ReactNode;
  switch (path) {
    case '/admin':
    case '/admin/queues':
      tab = 'queues';
      page = <AdminQueuesPage />;
      break;
    case '/admin/users':
      tab = 'users';
      page = <AdminUsersPage />;
      break;
    case '/admin/api-keys':
      tab = 'api-keys';
      page = <AdminApiKeysPage />;
      break;
    case '/admin/deliveries':
      tab = 'deliveries';
      page = <AdminDeliveriesPage search={location.search} />;
      break;
    case '/admin/activity':
      tab = 'activity';
      page = <EventLogPage preset="admin" search={location.search} basePath="/admin/activity" />;
      break;
    default:
      page = <NotFoundPage home="/admin" homeLabel="the queues" />;
  }
  return (
    <AreaShell
      nav={nav}
      onLogout={onLogout}
      page={path}
      area="Admin"
      tabs={TABS}
      activeTab={tab}
      tabsLabel="Admin pages"
    >
      {page}
    </AreaShell>
  );
}
