import type { User } from '../api/types';
import type { ConnectionStatus } from '../hooks/useReviewConnection';

interface AppHeaderProps {
  user: User;
  status: ConnectionStatus;
  onHome: () => void;
  onLogout: () => void;
  badge?: string;
}

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  disconnected: 'Offline',
};

export function AppHeader({ user, status, onHome, onLogout, badge }: AppHeaderProps) {
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
      <span className="spacer" />
      <span
        className={`connection connection-${status}`}
        data-testid="connection-status"
        data-status={status}
      >
        <span className="dot" aria-hidden="true" />
        {STATUS_TEXT[status]}
      </span>
      <span className="user" data-testid="current-user" title={user.roles.join(', ')}>
        {user.email}
      </span>
      <button type="button" className="button button-quiet" onClick={onLogout} data-testid="logout-button">
        Log out
      </button>
    </header>
  );
}
