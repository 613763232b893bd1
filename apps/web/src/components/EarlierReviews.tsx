import { useId, useMemo } from 'react';
import type { EarlierReviewsState } from '../hooks/useEarlierReviews';
import type { EarlierReview } from '../lib/adjudication';
import { formatDateTime, VERDICT_LABELS } from '../lib/format';
import { diffJson, jsonEqual } from '../lib/json-diff';
import { DiffView } from './DiffView';
import { VerdictBadge } from './DecisionTable';

const label = (verdict: string) => (VERDICT_LABELS as Record<string, string>)[verdict] ?? verdict;

/** Where the two reviews part ways, in one line. */
function disagreement([first, second]: EarlierReview[]): string {
  if (!first || !second) return '';
  if (first.verdict !== second.verdict) {
    return `One review ${label(first.verdict).toLowerCase()} the item, the other ${label(second.verdict).toLowerCase()} it.`;
  }
  const paths = diffJson(first.output, second.output).map((op) => op.path || '(whole output)');
  if (paths.length === 0) return 'Both reviews gave the same verdict and output.';
  const shown = paths.slice(0, 4).join(', ');
  return `Both ${label(first.verdict).toLowerCase()} the item, with different outputs at ${shown}${paths.length > 4 ? ` and ${paths.length - 4} more` : ''}.`;
}

interface ReviewCardProps {
  review: EarlierReview;
  index: number;
  aiOutput: unknown;
  onUseOutput?: (output: unknown) => void;
}

function ReviewCard({ review, index, aiOutput, onUseOutput }: ReviewCardProps) {
  const titleId = useId();
  const pair = useMemo(
    () =>
      review.output === null
        ? null
        : {
            original: aiOutput,
            parse: { ok: true as const, value: review.output },
            patch: diffJson(aiOutput, review.output),
          },
    [aiOutput, review.output],
  );
  const usable = onUseOutput && review.output !== null && !jsonEqual(review.output, aiOutput);
  return (
    <article
      className="earlier-review"
      data-testid="earlier-review"
      data-verdict={review.verdict}
      data-reviewer={review.reviewer}
      aria-labelledby={titleId}
    >
      <header className="earlier-review-head">
        <h3 id={titleId} className="earlier-review-title">
          <span className="muted" title={`Decided ${formatDateTime(review.decidedAt)}`}>
            Review {index + 1}
          </span>{' '}
          <span className="earlier-reviewer" data-testid="earlier-reviewer">
            {review.reviewer}
          </span>
        </h3>
        <span data-testid="earlier-verdict" data-verdict={review.verdict}>
          <VerdictBadge verdict={review.verdict} />
        </span>
      </header>
      {review.comment ? (
        <blockquote className="earlier-comment" data-testid="earlier-comment">
          {review.comment}
        </blockquote>
      ) : (
        <p className="muted small" data-testid="earlier-no-comment">
          No comment.
        </p>
      )}
      {pair ? (
        <DiffView
          draft={pair}
          title="Their changes to the AI output"
          sameText="No changes: they kept the AI’s output."
          testId="earlier-diff"
        />
      ) : (
        <p className="muted small" data-testid="earlier-no-output">
          {review.unreadable
            ? `Their output cannot be shown: ${review.unreadable}`
            : 'Rejected: no output to compare with the AI’s.'}
        </p>
      )}
      {usable && (
        <button
          type="button"
          className="button button-small"
          onClick={() => onUseOutput(review.output)}
          data-testid="use-earlier-output"
        >
          Start from this output
        </button>
      )}
    </article>
  );
}

interface EarlierReviewsProps {
  state: EarlierReviewsState & { retry: () => void };
  aiOutput: unknown;
  /** Puts a review's output in the editor, as the start of a correction. */
  onUseOutput?: (output: unknown) => void;
}

/** The two disagreeing reviews of an item in adjudication; nothing for any other item. */
export function EarlierReviews({ state, aiOutput, onUseOutput }: EarlierReviewsProps) {
  const titleId = useId();
  if (state.status === 'failed') {
    return (
      <p className="notice notice-warn earlier-failed" role="status" data-testid="earlier-reviews-failed">
        Could not check this item for earlier reviews ({state.message}).{' '}
        <button type="button" className="button button-small" onClick={state.retry}>
          Try again
        </button>
      </p>
    );
  }
  if (state.status !== 'ready') return null;
  return (
    <section className="card adjudication" data-testid="earlier-reviews" aria-labelledby={titleId}>
      <h2 className="card-title" id={titleId}>
        Adjudication · two reviews disagree
      </h2>
      <p className="adjudication-summary" data-testid="earlier-disagreement">
        {disagreement(state.reviews)}
      </p>
      <div className="earlier-list">
        {state.reviews.map((review, index) => (
          <ReviewCard
            key={review.decisionId}
            review={review}
            index={index}
            aiOutput={aiOutput}
            onUseOutput={onUseOutput}
          />
        ))}
      </div>
    </section>
  );
}
