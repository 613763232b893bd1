import { useCallback, useEffect, useState } from 'react';
import type { ReviewTransport } from '../api/review-transport';
import type { Item } from '../api/types';
import { earlierReviews, type EarlierReview } from '../lib/adjudication';

/** loading · none: not an adjudication · ready: the two reviews · failed: the history could not be read. */
export type EarlierReviewsState =
  | { status: 'loading' | 'none' }
  | { status: 'ready'; reviews: EarlierReview[] }
  | { status: 'failed'; message: string };

interface Loaded {
  itemId: string;
  attempt: number;
  state: EarlierReviewsState;
}

/** The reviews that disagreed, when the claimed item is being adjudicated. */
export function useEarlierReviews(
  transport: ReviewTransport,
  item: Item | null,
): EarlierReviewsState & { retry: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const itemId = item?.id ?? null;
  const aiOutput = item?.output ?? null;

  useEffect(() => {
    if (!itemId) return;
    let current = true;
    void transport.itemHistory(itemId).then((result) => {
      if (!current) return;
      let state: EarlierReviewsState;
      if (!result.ok) state = { status: 'failed', message: result.error.message };
      else {
        const reviews = earlierReviews(aiOutput, result.value);
        state = reviews ? { status: 'ready', reviews } : { status: 'none' };
      }
      setLoaded({ itemId, attempt, state });
    });
    return () => {
      current = false;
    };
  }, [transport, itemId, aiOutput, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  // A result for another item, or an earlier attempt, is stale: show loading until this one answers.
  const fresh = loaded && loaded.itemId === itemId && loaded.attempt === attempt;
  if (!itemId) return { status: 'none', retry };
  return { ...(fresh ? loaded.state : { status: 'loading' }), retry };
}
