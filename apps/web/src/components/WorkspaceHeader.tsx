import type { Claim, Queue } from '../api/types';
import { useNow } from '../hooks/useNow';
import type { LiveStats } from '../hooks/useQueueStats';
import { LeaseCountdown } from './LeaseCountdown';
import { oldestAge } from './QueueList';

interface WorkspaceHeaderProps {
  queue: Queue;
  stats: LiveStats | undefined;
  claim: Claim | null;
  onBack: () => void;
}

export function WorkspaceHeader({ queue, stats, claim, onBack }: WorkspaceHeaderProps) {
  const now = useNow(1000);
  return (
    <div className="workspace-header">
      <button type="button" className="button button-quiet" onClick={onBack} data-testid="back-to-queues">
        ← Queues
      </button>
      <h1 className="workspace-title">{queue.name}</h1>
      <span className="stats" aria-label="Queue status">
        <span data-testid="workspace-pending">
          <strong>{stats?.pending ?? '…'}</strong> pending
        </span>
        <span>
          <strong>{stats?.claimed ?? '…'}</strong> claimed
        </span>
        <span data-testid="workspace-oldest-age">oldest {oldestAge(stats, now)}</span>
      </span>
      <span className="spacer" />
      {claim && <LeaseCountdown claim={claim} />}
    </div>
  );
}
