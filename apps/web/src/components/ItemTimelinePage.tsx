import { useMemo, type ReactNode } from 'react';
import { getItem } from '../api/audit';
import type { Item } from '../api/types';
import { useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { diffJson } from '../lib/json-diff';
import { actorLabel, formatDateTime, formatDuration } from '../lib/format';
import { DiffView } from './DiffView';
import { VerdictBadge } from './DecisionTable';
import { ErrorNotice } from './ErrorNotice';
import { JsonBlock } from './JsonBlock';
import { Timeline } from './Timeline';

function Facts({ item }: { item: Item }) {
  const decision = item.decision;
  const decided = item.history?.findLast((e) => e.action === 'item.decided');
  const reviewer = decided?.actor.type === 'user' ? actorLabel(decided.actor) : decision?.reviewerId;
  const rows: [string, ReactNode, string?][] = [
    ['Queue', <span className="mono">{item.queue}</span>, 'item-queue'],
    ['Service', item.service ?? '—'],
    ['Model', `${item.model.name}@${item.model.version}`, 'item-model'],
    ['Confidence', item.confidence == null ? '—' : `${(item.confidence * 100).toFixed(1)}%`],
    ['Reason', item.reason],
    ['Received', formatDateTime(item.createdAt)],
    ['Assigned to', <span className="mono">{item.assigneeId ?? '—'}</span>, 'item-assignee'],
    ['Verdict', decision ? <VerdictBadge verdict={decision.verdict} /> : '—', 'item-verdict'],
    ['Decided', formatDateTime(decision?.decidedAt)],
    ['Reviewer', reviewer ?? (decision ? 'none (automatic)' : '—'), 'item-reviewer'],
    ['Review time', formatDuration(decision?.durationMs)],
  ];
  return (
    <dl className="card facts facts-wide" data-testid="timeline-facts">
      {rows.map(([label, value, testId]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
      {decision?.comment && (
        <div className="facts-full">
          <dt>Comment</dt>
          <dd data-testid="item-comment">{decision.comment}</dd>
        </div>
      )}
    </dl>
  );
}

function Outcome({ item }: { item: Item }) {
  const decision = item.decision;
  const original = item.output ?? null;
  const pair = useMemo(
    () =>
      decision && decision.output != null
        ? {
            original,
            parse: { ok: true as const, value: decision.output },
            patch: diffJson(original, decision.output),
          }
        : null,
    [decision, original],
  );
  if (!decision) {
    return (
      <p className="notice notice-info" data-testid="diff-none">
        Not decided yet: the item is <strong>{item.status}</strong>. The diff appears once it is decided.
      </p>
    );
  }
  return (
    <>
      {pair ? (
        <DiffView
          draft={pair}
          title="AI output → final output"
          sameText="No changes: the final output is the AI’s."
        />
      ) : (
        <p className="notice notice-info" data-testid="diff-none">
          Rejected: there is no final output to compare with the AI&apos;s.
        </p>
      )}
      <JsonBlock
        title="AI output"
        value={item.output}
        testId="timeline-ai-output"
        emptyText="The model gave no output."
      />
      <JsonBlock
        title="Final output"
        value={decision.output}
        testId="timeline-final-output"
        emptyText="None (rejected)."
      />
      <JsonBlock
        title="Recorded JSON Patch (RFC 6902)"
        value={decision.patch}
        testId="timeline-patch"
        emptyText="None."
      />
    </>
  );
}

/** One item's whole story for an auditor: its facts, every audit event, and what the human changed. */
export function ItemTimelinePage({ itemId, backSearch }: { itemId: string; backSearch: string }) {
  const { navigate } = useApiSession();
  const { data: item, error, loading, reload } = useLoad((token) => getItem(token, itemId), itemId);
  const backPath = `/audit${backSearch ? `?${backSearch}` : ''}`;

  return (
    <section className="page page-wide" aria-labelledby="timeline-title" data-testid="item-timeline">
      <div className="page-head">
        <a
          href={backPath}
          className="button button-quiet"
          onClick={(e) => {
            e.preventDefault();
            navigate(backPath);
          }}
          data-testid="back-to-decisions"
        >
          ← Decisions
        </a>
        <h1 id="timeline-title" className="page-title" tabIndex={-1}>
          {item ? (
            <>
              Item <span className="mono">{item.externalId}</span>
            </>
          ) : (
            'Item timeline'
          )}
        </h1>
        {item && (
          <span className={`status-pill status-${item.status}`} data-testid="item-status">
            {item.status.replace('_', ' ')}
          </span>
        )}
        <span className="spacer" />
        {item && (
          <span className="muted mono small" data-testid="timeline-item-id">
            {item.id}
          </span>
        )}
      </div>
      {error && !loading && (
        <div className="stack">
          <ErrorNotice error={error} testId="timeline-error" title="Could not load the item" />
          <button type="button" className="button" onClick={reload}>
            Try again
          </button>
        </div>
      )}
      {!item && loading && (
        <p className="muted" data-testid="timeline-loading">
          Loading the item…
        </p>
      )}
      {item && (
        <>
          <Facts item={item} />
          <div className="timeline-grid">
            <section className="card" aria-labelledby="events-title">
              <h2 className="card-title" id="events-title">
                Timeline <span className="muted">({item.history?.length ?? 0} events, oldest first)</span>
              </h2>
              <Timeline events={item.history ?? []} />
            </section>
            <div className="stack" data-testid="timeline-outcome">
              <Outcome item={item} />
              <JsonBlock title="Input" value={item.input} testId="timeline-input" />
            </div>
          </div>
        </>
      )}
    </section>
  );
}
