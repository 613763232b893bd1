import type { ReactNode } from 'react';
import type { User } from '../api/types';
import type { ConnectionStatus } from '../hooks/useReviewConnection';

interface AppHeaderProps {
  user: User;
  /** The live connection of the reviewer UI; the audit and admin pages have none. */
  status?: ConnectionStatus;
  onHome: () => void;
  onLogout: () => void;
  badge?: string;
  /** Links to the other areas the user may use. */
  nav?: ReactNode;
}

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  disconnected: 'Offline',
};

export function AppHeader({ user, status, onHome, onLogout, badge, nav }: AppHeaderProps) {
  return (
    <header className="app-header">
      <a
        className="brand"
        href="/"
        onClick={(e) => {
          e.preventDefault();
          onHome();
        }}
      >
        Arbiter
      </a>
      {badge && <span className="badge">{badge}</span>}
      {nav}
      <span className="spacer" />
      {status && (
        <span
          className={`connection connection-${status}`}
          data-testid="connection-status"
          data-status={status}
        >
          <span className="dot" aria-hidden="true" />
          {STATUS_TEXT[status]}
        </span>
      )}
      <span className="user" data-testid="current-user" title={user.roles.join(', ')}>
        {user.email}
      </span>
      <button type="button" className="button button-quiet" onClick={onLogout} data-testid="logout-button">
        Log out
      </button>
    </header>
  );
}
