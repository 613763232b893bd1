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
import { ListState, LoadMore } from './ListState';
import { PageHead } from './PageHead';

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
      <PageHead id="decisions-title" title="Decision history">
        <ExportButtons filter={filter} onError={setExportError} />
      </PageHead>
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
      <ListState
        load={decisions}
        testId="decisions"
        errorTitle="Could not load the decisions"
        loadingText="Loading decisions…"
        empty={
          isFiltered(filter)
            ? 'No decision matches these filters.'
            : 'No decisions yet: they appear here once reviewers decide items.'
        }
        results={{ testId: 'decisions', live: 'polite' }}
      >
        {(rows) => (
          <>
            <p className="results-summary muted" data-testid="decisions-summary">
              {plural(rows.length, 'decision')}
              {more ? ' (the newest; more below)' : ''}, newest first
              {decisions.loading && ' · updating…'}
            </p>
            <DecisionTable rows={rows} backSearch={query} />
            {more && (
              <LoadMore
                loading={decisions.loading}
                page={PAGE}
                onMore={() => setLimit(Math.min(MAX_LIMIT, limit + PAGE))}
                testId="decisions-more"
              />
            )}
          </>
        )}
      </ListState>
    </section>
  );
}
