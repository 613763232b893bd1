import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Session } from '../api/session';
import { useQueues } from '../hooks/useQueues';
import { useQueueStats } from '../hooks/useQueueStats';
import { useReviewConnection } from '../hooks/useReviewConnection';
import { useRoute, workspacePath } from '../hooks/useRoute';
import { AppHeader } from './AppHeader';
import { ConnectionBanner } from './ConnectionBanner';
import { QueuesPage } from './QueuesPage';
import { Workspace } from './Workspace';

interface ReviewerAppProps {
  session: Session;
  onLogout: (message?: string) => void;
  /** Links to the audit and admin areas, for users who have those roles too. */
  nav?: ReactNode;
}

export function ReviewerApp({ session, onLogout, nav }: ReviewerAppProps) {
  const refused = useCallback(
    (message: string) => onLogout(`The server refused your session (${message}). Sign in again.`),
    [onLogout],
  );
  const expired = useCallback(() => onLogout('Your session has expired. Sign in again.'), [onLogout]);
  const connection = useReviewConnection(session.accessToken, refused);
  const [route, navigate] = useRoute();
  // Assignment counts change with assignments (the server says so) and with the reviewer's own claims (read
  // again when the list is shown again).
  const [assignments, setAssignments] = useState(0);
  useEffect(
    () => connection.client?.onAssignmentChanged(() => setAssignments((n) => n + 1)),
    [connection.client],
  );
  const shownBefore = useRef(route.name);
  useEffect(() => {
    if (route.name === 'queues' && shownBefore.current !== 'queues') setAssignments((n) => n + 1);
    shownBefore.current = route.name;
  }, [route.name]);
  // Re-read the queues after every reconnect (the first connection uses the initial fetch).
  const { queues, error } = useQueues(
    session.accessToken,
    `${Math.max(1, connection.epoch)}:${assignments}`,
    expired,
  );
  const slugs = useMemo(() => queues?.map((q) => q.slug) ?? [], [queues]);
  const stats = useQueueStats(connection.client, slugs, connection.epoch);

  const queue = route.name === 'workspace' ? queues?.find((q) => q.slug === route.slug) : undefined;
  let main;
  if (route.name === 'queues') {
    main = (
      <QueuesPage
        queues={queues}
        error={error}
        stats={stats}
        onOpen={(slug) => navigate(workspacePath(slug))}
      />
    );
  } else if (queue && connection.client) {
    main = (
      <Workspace
        key={queue.slug}
        queue={queue}
        stats={stats[queue.slug]?.stats}
        transport={connection.client}
        connected={connection.status === 'connected'}
        epoch={connection.epoch}
        onBack={() => navigate('/')}
      />
    );
  } else {
    main = (
      <section className="page">
        <p className="muted" data-testid={queues ? 'queue-not-found' : 'queues-loading'}>
          {queues ? `There is no queue “${route.slug}” you can review.` : (error ?? 'Loading…')}
        </p>
        <button type="button" className="button" onClick={() => navigate('/')} data-testid="back-to-queues">
          ← Queues
        </button>
      </section>
    );
  }

  return (
    <div className="app">
      <AppHeader
        user={session.user}
        status={connection.status}
        onHome={() => navigate('/')}
        onLogout={() => onLogout()}
        nav={nav}
      />
      {connection.status === 'disconnected' && <ConnectionBanner error={connection.error} />}
      <main className="app-main">{main}</main>
    </div>
  );
}
