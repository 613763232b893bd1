import type { Navigate } from '../hooks/useLocation';
import { inAppClick } from '../lib/links';

export interface Tab {
  id: string;
  label: string;
  path: string;
}

interface TabNavProps {
  tabs: readonly Tab[];
  active: string;
  label: string;
  navigate: Navigate;
}

/** The pages of an area, as links (so they open in a new tab too), the current one marked. */
export function TabNav({ tabs, active, label, navigate }: TabNavProps) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((tab) => (
        <a
          key={tab.id}
          href={tab.path}
          className={tab.id === active ? 'tab active' : 'tab'}
          aria-current={tab.id === active ? 'page' : undefined}
          onClick={inAppClick(navigate, tab.path)}
          data-testid={`tab-${tab.id}`}
        >
          {tab.label}
        </a>
      ))}
    </nav>
  );
}
