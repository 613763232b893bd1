import type { Phase, PendingAction } from '../hooks/useReviewSession';

interface NoItemProps {
  phase: Phase;
  pending: PendingAction | null;
  connected: boolean;
  queueName: string;
  pendingCount: number | undefined;
  onClaimNext: () => void;
}

/** The workspace when no item is on screen: claiming, nothing waiting, or released. */
export function NoItem({ phase, pending, connected, queueName, pendingCount, onClaimNext }: NoItemProps) {
  if (pending === 'claim' || (!connected && phase === 'idle' && pending === null)) {
    return (
      <div className="placeholder" data-testid="claiming" aria-busy="true">
        <p className="muted">{connected ? 'Claiming the next item…' : 'Connecting…'}</p>
      </div>
    );
  }
  if (phase === 'empty') {
    return (
      <div className="placeholder" data-testid="empty-queue">
        <h2>Nothing to review</h2>
        <p className="muted">
          No item is waiting in {queueName}
          {pendingCount ? `; the counter shows ${pendingCount} pending, so try again.` : '.'}
        </p>
        <button
          type="button"
          className="button button-primary"
          onClick={onClaimNext}
          disabled={!connected}
          autoFocus
          data-testid="check-again"
        >
          Check again <kbd>n</kbd>
        </button>
      </div>
    );
  }
  return (
    <div className="placeholder" data-testid="no-claim">
      <h2>No item claimed</h2>
      <p className="muted">Claim the next item of {queueName} when you are ready.</p>
      <button
        type="button"
        className="button button-primary"
        onClick={onClaimNext}
        disabled={!connected}
        autoFocus
        data-testid="claim-next"
      >
        Claim next <kbd>n</kbd>
      </button>
    </div>
  );
}
