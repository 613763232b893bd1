import { verifyChain } from '../api/audit';
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
          <strong data-testid="chain-summary">
            Chain broken at event #{data.firstInvalidSeq ?? '?'} — the audit log may have been altered
          </strong>
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
        </span>
      </div>
      {again}
    </div>
  );
}
