import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReviewTransport } from '../api/review-transport';
import type { Queue } from '../api/types';
import { useEarlierReviews } from '../hooks/useEarlierReviews';
import { useItemScoped } from '../hooks/useItemScoped';
import { useOutputDraft, type OutputDraft } from '../hooks/useOutputDraft';
import type { LiveStats } from '../hooks/useQueueStats';
import { useReviewSession } from '../hooks/useReviewSession';
import { useShortcuts } from '../hooks/useShortcuts';
import { prettyJson } from '../lib/json';
import { compileOutputSchema } from '../lib/schema';
import { ActionBar } from './ActionBar';
import { ClaimLost } from './ClaimLost';
import { DiffView } from './DiffView';
import { EarlierReviews } from './EarlierReviews';
import { Instructions } from './Instructions';
import { ItemFacts } from './ItemFacts';
import { JsonBlock } from './JsonBlock';
import { NoItem } from './NoItem';
import { NoticeBar } from './NoticeBar';
import { OutputEditor } from './OutputEditor';
import { ShortcutLegend } from './ShortcutLegend';
import { WorkspaceHeader } from './WorkspaceHeader';

/** Why a correction cannot be submitted yet, if it cannot. */
function correctionHint(draft: OutputDraft): string | null {
  if (draft.text.trim() === '') return 'Write the output as JSON to submit a correction.';
  if (!draft.parse.ok) return 'Fix the JSON to submit a correction.';
  if (draft.problems.length > 0) return 'The output must match the queue’s schema to submit a correction.';
  if (!draft.changed) return 'Edit the output to submit a correction.';
  return null;
}

interface WorkspaceProps {
  queue: Queue;
  stats: LiveStats | undefined;
  transport: ReviewTransport;
  connected: boolean;
  epoch: number;
  onBack: () => void;
}

export function Workspace({ queue, stats, transport, connected, epoch, onBack }: WorkspaceProps) {
  const session = useReviewSession({
    transport,
    queue: queue.slug,
    leaseSeconds: queue.leaseSeconds,
    connected,
    epoch,
  });
  const { state } = session;
  const { item } = state;
  const checker = useMemo(() => compileOutputSchema(queue.outputSchema), [queue.outputSchema]);
  const draft = useOutputDraft(item, checker);
  const earlier = useEarlierReviews(transport, item);
  // The reviews that disagreed get a column of their own, between the item and the adjudicator's edit.
  const adjudicating = item !== null && earlier.status === 'ready';
  const [comment, setComment] = useItemScoped(item?.id ?? null, '');
  const [commentError, setCommentError] = useItemScoped<string | null>(item?.id ?? null, null);
  const [legendOpen, setLegendOpen] = useState(true);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const live = state.phase === 'working' && connected && state.pending === null;
  const canCorrect = live && draft.valid && draft.changed;
  const correctHint = item ? correctionHint(draft) : null;

  const actions = {
    claimNext: session.claimNext,
    approve: () => live && session.decide('approve', { comment }),
    correct: () =>
      canCorrect && draft.parse.ok && session.decide('correct', { output: draft.parse.value, comment }),
    reject: () => live && session.decide('reject', { comment }),
    escalate: () => {
      if (!live) return;
      if (comment.trim() === '') {
        setCommentError('A comment is required to escalate: say why the item needs someone else.');
        commentRef.current?.focus();
        return;
      }
      session.escalate(comment);
    },
    release: () => live && session.release(),
    toggleLegend: () => setLegendOpen((open) => !open),
  };
  useShortcuts(actions);

  // A new item: put the keyboard focus on its heading, so the shortcuts work and screen readers announce it.
  useEffect(() => {
    if (item) headingRef.current?.focus({ preventScroll: true });
  }, [item]);

  const lost = state.phase === 'expired' || state.phase === 'closed';
  return (
    <section
      className="workspace"
      data-testid="workspace"
      data-queue={queue.slug}
      data-state={state.phase}
      data-earlier-reviews={item ? earlier.status : undefined}
      aria-busy={state.pending !== null}
    >
      <WorkspaceHeader
        queue={queue}
        stats={stats}
        claim={state.phase === 'working' ? state.claim : null}
        onBack={onBack}
      />
      <NoticeBar notice={state.notice} />
      {item ? (
        <>
          {lost && (
            <ClaimLost
              expired={state.phase === 'expired'}
              connected={connected}
              claiming={state.pending === 'claim'}
              onClaimNext={session.claimNext}
            />
          )}
          <div className={adjudicating ? 'panes panes-adjudication' : 'panes'}>
            <div className="pane">
              <h2 className="item-heading" ref={headingRef} tabIndex={-1} data-testid="item-heading">
                Item <span className="mono">{item.externalId}</span>
                <span className="muted mono item-id" data-testid="item-id">
                  {item.id}
                </span>
                {/* Only its assignee may claim an assigned item. */}
                {item.assigneeId && (
                  <span className="badge" data-testid="item-assigned">
                    Assigned to you
                  </span>
                )}
              </h2>
              {earlier.status === 'failed' && <EarlierReviews state={earlier} aiOutput={item.output} />}
              <Instructions markdown={queue.instructions} />
              <ItemFacts item={item} />
              <JsonBlock title="Input" value={item.input} testId="item-input" />
              <JsonBlock
                title="AI output"
                value={item.output}
                testId="item-output"
                emptyText="The model gave no output."
              />
            </div>
            {adjudicating && (
              <div className="pane" data-testid="earlier-reviews-pane">
                <EarlierReviews
                  state={earlier}
                  aiOutput={item.output ?? null}
                  onUseOutput={live ? (output) => draft.setText(prettyJson(output)) : undefined}
                />
              </div>
            )}
            <div className="pane">
              <OutputEditor draft={draft} checker={checker} readOnly={false} />
              <DiffView draft={draft} />
            </div>
          </div>
          <ActionBar
            live={live}
            pending={state.pending}
            canCorrect={canCorrect}
            correctHint={live ? correctHint : null}
            comment={comment}
            commentError={commentError}
            commentRef={commentRef}
            onComment={(value) => {
              setComment(value);
              if (value.trim()) setCommentError(null);
            }}
            onApprove={actions.approve}
            onCorrect={actions.correct}
            onReject={actions.reject}
            onEscalate={actions.escalate}
            onRelease={actions.release}
          />
        </>
      ) : (
        <NoItem
          phase={state.phase}
          pending={state.pending}
          connected={connected}
          queueName={queue.name}
          pendingCount={stats?.pending}
          onClaimNext={session.claimNext}
        />
      )}
      <div className="legend-row">
        {legendOpen && <ShortcutLegend />}
        <span className="spacer" />
        <button
          type="button"
          className="button button-quiet button-small"
          onClick={actions.toggleLegend}
          aria-expanded={legendOpen}
          data-testid="toggle-legend"
        >
          {legendOpen ? 'Hide shortcuts' : 'Show shortcuts'} <kbd>?</kbd>
        </button>
      </div>
    </section>
  );
}
