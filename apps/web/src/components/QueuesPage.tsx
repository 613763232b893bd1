import type { Queue } from '../api/types';
import type { StatsEntry } from '../hooks/useQueueStats';
import { QueueList } from './QueueList';

interface QueuesPageProps {
  queues: Queue[] | null;
  error: string | null;
  stats: Record<string, StatsEntry>;
  onOpen: (slug: string) => void;
}

export function QueuesPage({ queues, error, stats, onOpen }: QueuesPageProps) {
  return (
    <section className="page" aria-labelledby="queues-title">
      <h1 id="queues-title" className="page-title">
        Queues
      </h1>
      {error && (
        <p className="notice notice-error" role="alert" data-testid="queues-error">
          {error}
        </p>
      )}
      {queues ? (
        <QueueList queues={queues} stats={stats} onOpen={onOpen} />
      ) : (
        !error && (
          <p className="muted" data-testid="queues-loading">
            Loading queues…
          </p>
        )
      )}
    </section>
  );
}
