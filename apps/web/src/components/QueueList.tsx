import type { Queue } from '../api/types';
import { useNow } from '../hooks/useNow';
import type { LiveStats, StatsEntry } from '../hooks/useQueueStats';
import { workspacePath } from '../hooks/useRoute';
import { formatAge } from '../lib/time';

/** The age of the oldest pending item now, from the last numbers the server pushed. */
export function oldestAge(stats: LiveStats | undefined, now: number): string {
  if (!stats || stats.pending === 0 || stats.oldestPendingAgeMs == null) return '—';
  return formatAge(stats.oldestPendingAgeMs + Math.max(0, now - stats.receivedAt));
}

interface QueueListProps {
  queues: Queue[];
  stats: Record<string, StatsEntry>;
  onOpen: (slug: string) => void;
}

export function QueueList({ queues, stats, onOpen }: QueueListProps) {
  const now = useNow(1000);
  if (queues.length === 0) {
    return (
      <p className="empty-note" data-testid="queues-empty">
        You are not a member of any queue yet. Ask an admin to add you to one.
      </p>
    );
  }
  return (
    <table className="queue-table" data-testid="queue-list">
      <thead>
        <tr>
          <th scope="col">Queue</th>
          <th scope="col" className="num">
            Pending
          </th>
          <th scope="col" className="num">
            Claimed
          </th>
          <th scope="col">Oldest waiting</th>
          <th scope="col">
            <span className="visually-hidden">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {queues.map((queue) => {
          const entry = stats[queue.slug];
          return (
            <tr key={queue.slug} data-testid="queue-row" data-queue={queue.slug}>
              <th scope="row">
                <span className="queue-name">{queue.name}</span>
                <span className="queue-slug">{queue.slug}</span>
                {queue.paused && <span className="badge badge-warn">paused</span>}
                {queue.assignedToMe ? (
                  <span className="badge" data-testid="queue-assigned">
                    {queue.assignedToMe} assigned to you
                  </span>
                ) : null}
                {entry?.error && (
                  <span className="inline-error" data-testid="queue-stats-error">
                    {entry.error}
                  </span>
                )}
              </th>
              <td className="num big" data-testid="queue-pending">
                {entry?.stats?.pending ?? '…'}
              </td>
              <td className="num" data-testid="queue-claimed">
                {entry?.stats?.claimed ?? '…'}
              </td>
              <td data-testid="queue-oldest-age">{oldestAge(entry?.stats, now)}</td>
              <td className="open-cell">
                <a
                  className="button button-primary"
                  href={workspacePath(queue.slug)}
                  onClick={(e) => {
                    e.preventDefault();
                    onOpen(queue.slug);
                  }}
                  data-testid="open-queue"
                >
                  Review
                </a>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
