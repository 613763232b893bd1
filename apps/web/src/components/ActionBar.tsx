import type { RefObject } from 'react';
import type { PendingAction } from '../hooks/useReviewSession';

interface ActionBarProps {
  live: boolean;
  pending: PendingAction | null;
  canCorrect: boolean;
  correctHint: string | null;
  comment: string;
  commentError: string | null;
  commentRef: RefObject<HTMLTextAreaElement | null>;
  onComment: (comment: string) => void;
  onApprove: () => void;
  onCorrect: () => void;
  onReject: () => void;
  onEscalate: () => void;
  onRelease: () => void;
}

export function ActionBar(props: ActionBarProps) {
  const { live, pending, commentError } = props;
  const busy = (action: PendingAction, label: string, doing: string) => (pending === action ? doing : label);
  return (
    <div className="action-bar">
      <div className="comment-field">
        <label htmlFor="review-comment">
          Comment <span className="muted">(optional; required to escalate)</span>
        </label>
        <textarea
          id="review-comment"
          ref={props.commentRef}
          value={props.comment}
          onChange={(e) => props.onComment(e.target.value)}
          rows={2}
          maxLength={10_000}
          readOnly={!live}
          aria-invalid={commentError !== null}
          aria-describedby={commentError ? 'comment-error' : undefined}
          data-testid="comment-input"
        />
        {commentError && (
          <p id="comment-error" className="problem" role="alert" data-testid="comment-error">
            {commentError}
          </p>
        )}
      </div>
      <div className="actions-column">
        <div className="actions" role="group" aria-label="Decision">
          <button
            type="button"
            className="button button-approve"
            onClick={props.onApprove}
            disabled={!live}
            data-testid="approve-button"
          >
            {busy('approve', 'Approve', 'Approving…')} <kbd>a</kbd>
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={props.onCorrect}
            disabled={!live || !props.canCorrect}
            aria-describedby={props.correctHint ? 'correct-hint' : undefined}
            data-testid="correct-button"
          >
            {busy('correct', 'Submit correction', 'Submitting…')} <kbd>Ctrl+Enter</kbd>
          </button>
          <button
            type="button"
            className="button button-reject"
            onClick={props.onReject}
            disabled={!live}
            data-testid="reject-button"
          >
            {busy('reject', 'Reject', 'Rejecting…')} <kbd>r</kbd>
          </button>
          <button
            type="button"
            className="button button-escalate"
            onClick={props.onEscalate}
            disabled={!live}
            data-testid="escalate-button"
          >
            {busy('escalate', 'Escalate', 'Escalating…')} <kbd>e</kbd>
          </button>
          <button
            type="button"
            className="button"
            onClick={props.onRelease}
            disabled={!live}
            data-testid="release-button"
          >
            {busy('release', 'Release', 'Releasing…')} <kbd>Esc</kbd>
          </button>
        </div>
        {props.correctHint && (
          <p id="correct-hint" className="hint" data-testid="correct-hint">
            {props.correctHint}
          </p>
        )}
      </div>
    </div>
  );
}
