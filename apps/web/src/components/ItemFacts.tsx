import type { Reason, Item } from '../api/types';
import { formatDateTime } from '../lib/format';

const REASONS: Record<Reason, string> = {
  low_confidence: 'Low confidence',
  model_error: 'Model error',
  policy: 'Policy',
  other: 'Other',
};

export function ItemFacts({ item }: { item: Item }) {
  const confidence = item.confidence;
  return (
    <dl className="card facts" data-testid="item-facts">
      <div>
        <dt>Model</dt>
        <dd data-testid="item-model">{item.model.name}</dd>
      </div>
      <div>
        <dt>Version</dt>
        <dd data-testid="item-model-version">{item.model.version}</dd>
      </div>
      <div>
        <dt>Confidence</dt>
        <dd data-testid="item-confidence">
          {confidence == null ? (
            '—'
          ) : (
            <>
              <meter min={0} max={1} low={0.5} high={0.8} optimum={1} value={confidence} aria-hidden="true" />{' '}
              {(confidence * 100).toFixed(1)}%
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>Reason</dt>
        <dd data-testid="item-reason" data-reason={item.reason}>
          {REASONS[item.reason] ?? item.reason}
        </dd>
      </div>
      <div>
        <dt>Priority</dt>
        <dd>{item.priority}</dd>
      </div>
      {item.slaDeadline ? (
        <div>
          <dt>SLA deadline</dt>
          <dd data-testid="item-sla" data-breached={item.slaBreachedAt ? 'true' : 'false'}>
            {formatDateTime(item.slaDeadline)}{' '}
            {item.slaBreachedAt ? <span className="badge badge-warn">passed</span> : null}
          </dd>
        </div>
      ) : null}
      <div>
        <dt>External ID</dt>
        <dd className="mono" data-testid="item-external-id">
          {item.externalId}
        </dd>
      </div>
    </dl>
  );
}
