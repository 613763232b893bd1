import { useMemo } from 'react';
import { listQueueDetails } from '../api/admin';
import { listDecisions } from '../api/audit';
import type { ApiError } from '../api/http';
import { useApiSession } from '../hooks/useApiSession';
import { useItemScoped } from '../hooks/useItemScoped';
import { useLoad } from '../hooks/useLoad';
import { filterSearch, isFiltered, parseFilter } from '../lib/audit-filter';
import { plural } from '../lib/format';
import { ChainStatus } from './ChainStatus';
import { DecisionFilters } from './DecisionFilters';
import { DecisionTable } from './DecisionTable';
import { ErrorNotice } from './ErrorNotice';
import { ExportButtons } from './ExportButtons';

const PAGE = 100;
const MAX_LIMIT = 10_000;

/** Every decision, newest first, filtered by the address bar's query; exports of the same filter. */
export function DecisionHistoryPage({ search }: { search: string }) {
  const { navigate } = useApiSession();
  const filter = useMemo(() => parseFilter(search), [search]);
  const query = filterSearch(filter);
  const [limit, setLimit] = useItemScoped(query, PAGE);
  const queues = useLoad(listQueueDetails, 'queues');
  const decisions = useLoad((token) => listDecisions(token, filter, limit), `${query}&limit=${limit}`);
  const rows = decisions.data;
  const [exportError, setExportError] = useItemScoped<ApiError | null>(query, null);
  const more = rows !== null && rows.length >= limit && limit < MAX_LIMIT;

  return (
    <section className="page page-wide" aria-labelledby="decisions-title">
      <div className="page-head">
        <h1 id="decisions-title" className="page-title" tabIndex={-1}>
          Decision history
        </h1>
        <span className="spacer" />
        <ExportButtons filter={filter} onError={setExportError} />
      </div>
      {exportError && <ErrorNotice error={exportError} testId="export-error" title="The export failed" />}
      <ChainStatus />
      <DecisionFilters
        filter={filter}
        queues={queues.data}
        onApply={(next) => {
          const nextQuery = filterSearch(next);
          navigate(`/audit${nextQuery ? `?${nextQuery}` : ''}`);
        }}
      />
      {queues.error && (
        <ErrorNotice error={queues.error} testId="queues-error" title="Could not list the queues" />
      )}
      {decisions.error && !decisions.loading && (
        <ErrorNotice error={decisions.error} testId="decisions-error" title="Could not load the decisions" />
      )}
      <div
        className="results"
        data-testid="decisions"
        aria-busy={decisions.loading}
        aria-live="polite"
        data-count={rows?.length ?? ''}
      >
        {rows === null ? (
          decisions.loading && (
            <p className="muted" data-testid="decisions-loading">
              Loading decisions…
            </p>
          )
        ) : rows.length === 0 ? (
          <p className="empty-note" data-testid="decisions-empty">
            {isFiltered(filter)
              ? 'No decision matches these filters.'
              : 'No decisions yet: they appear here once reviewers decide items.'}
          </p>
        ) : (
          <>
            <p className="results-summary muted" data-testid="decisions-summary">
              {plural(rows.length, 'decision')}
              {more ? ' (the newest; more below)' : ''}, newest first
              {decisions.loading && ' · updating…'}
            </p>
            <DecisionTable rows={rows} backSearch={query} />
            {more && (
              <button
                type="button"
                className="button more-button"
                onClick={() => !decisions.loading && setLimit(Math.min(MAX_LIMIT, limit + PAGE))}
                aria-disabled={decisions.loading}
                data-testid="decisions-more"
              >
                {decisions.loading ? 'Loading…' : `Show ${PAGE} more`}
              </button>
            )}
          </>
        )}
      </div>
    </section>
  );
}
