import type { ReactNode } from 'react';
import type { AppLocation } from '../hooks/useLocation';
import { AreaShell } from './AreaShell';
import { MonitoringAlertsPage } from './MonitoringAlertsPage';
import { MonitoringModelsPage } from './MonitoringModelsPage';
import { MonitoringReviewersPage } from './MonitoringReviewersPage';
import { MonitoringVersionPage } from './MonitoringVersionPage';
import { NotFoundPage } from './NotFoundPage';
import type { Tab } from './TabNav';

const TABS: readonly Tab[] = [
  { id: 'models', label: 'Models', path: '/monitoring' },
  { id: 'alerts', label: 'Alerts', path: '/monitoring/alerts' },
  { id: 'reviewers', label: 'Reviewers', path: '/monitoring/reviewers' },
];

const VERSION = /^\/monitoring\/models\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** A malformed escape (typed by hand) is kept as it is, for the API to answer 404, rather than crash the page. */
function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

interface MonitoringAppProps {
  location: AppLocation;
  nav: ReactNode;
  onLogout: () => void;
}

/** Admins and auditors: how often people override each model version, its calibration, drift alerts, reviewers. */
export function MonitoringApp({ location, nav, onLogout }: MonitoringAppProps) {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const version = VERSION.exec(path);
  let tab = '';
  let page: ReactNode;
  if (path === '/monitoring' || path === '/monitoring/models') {
    tab = 'models';
    page = <MonitoringModelsPage />;
  } else if (version) {
    tab = 'models';
    const [, queue, name, ver] = version.map(decodeSegment);
    page = (
      <MonitoringVersionPage
        key={path}
        queue={queue!}
        model={{ name: name!, version: ver! }}
        search={location.search}
      />
    );
  } else if (path === '/monitoring/alerts') {
    tab = 'alerts';
    page = <MonitoringAlertsPage />;
  } else if (path === '/monitoring/reviewers') {
    tab = 'reviewers';
    page = <MonitoringReviewersPage search={location.search} />;
  } else {
    page = <NotFoundPage home="/monitoring" homeLabel="the models" />;
  }
  return (
    <AreaShell
      nav={nav}
      onLogout={onLogout}
      page={path}
      area="Monitoring"
      tabs={TABS}
      activeTab={tab}
      tabsLabel="Monitoring pages"
    >
      {page}
    </AreaShell>
  );
}
