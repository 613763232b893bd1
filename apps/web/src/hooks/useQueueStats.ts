import { useEffect, useState } from 'react';
import type { StatsSource } from '../api/review-transport';
import type { QueueStats } from '../api/types';

export interface LiveStats extends QueueStats {
  /** When these numbers arrived, so the age of the oldest item can keep ticking. */
  receivedAt: number;
}

export interface StatsEntry {
  stats?: LiveStats;
  error?: string;
}

/** Subscribes to every queue (again after each reconnect) and keeps the pushed `queue:stats`. */
export function useQueueStats(
  source: StatsSource | null,
  slugs: readonly string[],
  epoch: number,
): Record<string, StatsEntry> {
  const [entries, setEntries] = useState<Record<string, StatsEntry>>({});

  useEffect(() => {
    if (!source) return;
    return source.onStats((stats) => {
      setEntries((prev) => ({ ...prev, [stats.queue]: { stats: { ...stats, receivedAt: Date.now() } } }));
    });
  }, [source]);

  const key = slugs.join(',');
  useEffect(() => {
    if (!source || epoch === 0 || key === '') return;
    let cancelled = false;
    for (const queue of key.split(',')) {
      void source.subscribe(queue).then((result) => {
        if (cancelled) return;
        setEntries((prev) => ({
          ...prev,
          [queue]: result.ok
            ? { stats: { ...result.value.stats, receivedAt: Date.now() } }
            : { ...prev[queue], error: result.error.message },
        }));
      });
    }
    return () => {
      cancelled = true;
    };
  }, [source, epoch, key]);

  return entries;
}
