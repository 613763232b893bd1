import { verifyChain } from '../api/audit';
import type { ChainVerdict } from '../api/types';
import { useLoad } from '../hooks/useLoad';
import { formatDateTime, plural } from '../lib/format';
import { ErrorNotice } from './ErrorNotice';

/** Whether the hash chain over the audit log still holds (GET /api/v1/audit/verify). */
export function ChainStatus() {
  const { data, error, loading, reload } = useLoad(verifyChain, 'verify');
  const again = (
    <button
      type="button"
      className="button button-small"
      onClick={() => !loading && reload()}
      aria-disabled={loading}
      data-testid="chain-verify"
    >
      {loading ? 'Verifying…' : 'Verify again'}
    </button>
  );

  if (error && !loading) {
    return (
      <div className="chain-row">
        <ErrorNotice error={error} testId="chain-error" title="Could not verify the audit chain" />
        {again}
      </div>
    );
  }
  if (!data) {
    return (
      <p className="notice chain" data-testid="chain-loading" aria-busy="true">
        Verifying the audit chain…
      </p>
    );
  }
  const pending = data.unsealed > 0 ? ` (${plural(data.unsealed, 'event')} pending)` : '';
  const { checkpoint, unsealedOverBound: late } = data;
  return (
    <div
      className={`notice chain ${data.valid ? 'notice-success' : 'notice-error'}`}
      role={data.valid ? 'status' : 'alert'}
      data-testid="chain-status"
      data-valid={String(data.valid)}
      data-sealed={data.sealed}
      data-unsealed={data.unsealed}
      aria-busy={loading}
    >
      <div className="chain-text">
        {data.valid ? (
          <strong data-testid="chain-summary">
            Chain valid — sealed up to {plural(data.sealed, 'event')}
            {pending}
          </strong>
        ) : (
          <strong data-testid="chain-summary">{brokenSummary(data)}</strong>
        )}
        <span className="chain-facts muted">
          {plural(data.checked, 'link')} verified
          {data.valid ? '' : ' before the first bad one'} · last sealed {formatDateTime(data.lastSealedAt)}
          {data.head && (
            <>
              {' '}
              · head <code title={data.head}>{data.head.slice(0, 12)}…</code>
            </>
          )}
          {checkpoint && (
            <span data-testid="chain-checkpoint" data-holds={String(checkpoint.holds)}>
              {' '}
              · signed checkpoint at link {checkpoint.pos.toLocaleString()} ({formatDateTime(checkpoint.at)})
              {checkpoint.holds ? ' holds' : ' does not hold'}
              {checkpoint.keyPinned ? '' : ' (key not pinned)'}
            </span>
          )}
        </span>
        {late.count > 0 && (
          <span className="chain-facts" data-testid="chain-unsealed-late">
            {plural(late.count, 'event')} unsealed for over {Math.round(late.boundMs / 1000)} s, the oldest
            from {formatDateTime(late.oldestAt)}: is the worker's sealer running?
          </span>
        )}
      </div>
      {again}
    </div>
  );
}

function brokenSummary(data: ChainVerdict): string {
  const { checkpoint } = data;
  if (checkpoint && !checkpoint.signatureValid)
    return 'The latest checkpoint’s signature does not verify — the audit log may have been altered';
  if (checkpoint?.chain === 'ends_before')
    return `Chain ends before its signed checkpoint: events from #${data.firstInvalidSeq ?? '?'} on are missing`;
  return `Chain broken at event #${data.firstInvalidSeq ?? '?'} — the audit log may have been altered`;
}
