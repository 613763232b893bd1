import { useMemo, useState } from 'react';
import { listQueues } from '../api/http';
import { listReviewerStats } from '../api/monitoring';
import type { ReviewerStats } from '../api/types';
import { useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatDuration } from '../lib/format';
import { compareValues, percent, score, type Sort } from '../lib/monitoring';
import { ErrorNotice } from './ErrorNotice';
import { ListState, RefreshButton } from './ListState';
import { Missing, SortHeader } from './MonitoringParts';
import { PageHead } from './PageHead';

const BASE_PATH = '/monitoring/reviewers';

type ReviewerSortKey = 'reviewer' | 'decisions' | 'median' | 'accuracy' | 'agreement' | 'kappa' | 'ac1';

function sortValue(r: ReviewerStats, key: ReviewerSortKey): string | number | null {
  switch (key) {
    case 'reviewer':
      return r.reviewer.email;
    case 'decisions':
      return r.decisions;
    case 'median':
      return r.medianDurationMs;
    case 'accuracy':
      return r.gold.accuracy;
    case 'agreement':
      return r.agreement.percent;
    case 'kappa':
      return r.agreement.kappa;
    case 'ac1':
      return r.agreement.ac1;
  }
}

const TOO_FEW_GOLD = 'Too few gold items scored for this reviewer to estimate an accuracy';
const TOO_FEW_PAIRS = 'Too few items decided by this reviewer and another to measure agreement';

/** How each reviewer decides: how many, how fast, how right on gold items and how much in agreement with others. */
export function MonitoringReviewersPage({ search }: { search: string }) {
  const { navigate } = useApiSession();
  const queue = new URLSearchParams(search).get('queue') ?? '';
  const queues = useLoad(listQueues, 'queues');
  const reviewers = useLoad((token) => listReviewerStats(token, queue || undefined), queue);
  const [sort, setSort] = useState<Sort<ReviewerSortKey>>({ key: 'decisions', direction: 'descending' });
  const rows = useMemo(
    () =>
      reviewers.data
        ? [...reviewers.data].sort(
            (a, b) =>
              compareValues(sortValue(a, sort.key), sortValue(b, sort.key), sort.direction) ||
              a.reviewer.email.localeCompare(b.reviewer.email),
          )
        : null,
    [reviewers.data, sort],
  );
  const header = (column: ReviewerSortKey, label: string, title?: string) => (
    <SortHeader
      column={column}
      label={label}
      sort={sort}
      onSort={setSort}
      first={column === 'reviewer' || column === 'median' ? 'ascending' : 'descending'}
      numeric={column !== 'reviewer'}
      title={title}
    />
  );
  const queueOptions = queues.data?.map((q) => q.slug) ?? [];
  if (queue && !queueOptions.includes(queue)) queueOptions.unshift(queue);
  return (
    <section className="page page-wide" aria-labelledby="monitoring-reviewers-title">
      <PageHead id="monitoring-reviewers-title" title="Reviewers">
        <label className="inline-field">
          <span>Queue</span>
          <select
            value={queue}
            onChange={(e) =>
              navigate(
                e.target.value
                  ? `${BASE_PATH}?${new URLSearchParams({ queue: e.target.value }).toString()}`
                  : BASE_PATH,
              )
            }
            data-testid="reviewers-queue"
          >
            <option value="">All queues</option>
            {queueOptions.map((slug) => (
              <option key={slug} value={slug}>
                {queues.data?.find((q) => q.slug === slug)?.name ?? slug}
              </option>
            ))}
          </select>
        </label>
        <RefreshButton load={reviewers} testId="reviewers-refresh" />
      </PageHead>
      <p className="muted page-intro">
        Gold accuracy is scored on gold items (known answers mixed into the queue), with a 95 % lower bound.
        Agreement compares reviewers who decided the same item: raw percent, Cohen&apos;s kappa and
        Gwet&apos;s AC1 (which stays stable when nearly every verdict is the same).
      </p>
      {queues.error && !queues.loading && (
        <ErrorNotice error={queues.error} testId="queues-error" title="Could not list the queues" />
      )}
      <ListState
        load={{ ...reviewers, data: rows }}
        testId="reviewers"
        errorTitle="Could not load the reviewer statistics"
        loadingText="Loading reviewers…"
        empty={
          queue ? `No reviewer has decided an item of ${queue} yet.` : 'No reviewer has decided an item yet.'
        }
        results={{ testId: 'reviewers-results' }}
      >
        {(list) => (
          <div className="table-scroll">
            <table className="data-table reviewers-table" data-testid="reviewers-table">
              <thead>
                <tr>
                  {header('reviewer', 'Reviewer')}
                  {header('decisions', 'Decisions')}
                  <th scope="col" className="num" title="Approve / correct / reject / escalate">
                    A / C / R / E
                  </th>
                  {header('median', 'Median time', 'Median time from claim to decision')}
                  <th scope="col" className="num" title="90th percentile of the time from claim to decision">
                    p90
                  </th>
                  {header('accuracy', 'Gold accuracy')}
                  {header('agreement', 'Agreement')}
                  {header('kappa', 'Kappa', "Cohen's kappa against the other reviewers of the same items")}
                  {header('ac1', 'AC1', "Gwet's AC1 against the other reviewers of the same items")}
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr
                    key={r.reviewer.id}
                    data-testid="reviewer-row"
                    data-email={r.reviewer.email}
                    data-decisions={r.decisions}
                  >
                    <th scope="row" className="small">
                      {r.reviewer.email}
                    </th>
                    <td className="num">{r.decisions.toLocaleString()}</td>
                    <td className="num small nowrap" data-testid="reviewer-verdicts">
                      {r.verdicts.approve} / {r.verdicts.correct} / {r.verdicts.reject} /{' '}
                      {r.verdicts.escalate}
                    </td>
                    <td className="num">{formatDuration(r.medianDurationMs)}</td>
                    <td className="num muted">{formatDuration(r.p90DurationMs)}</td>
                    <td className="num" data-testid="reviewer-accuracy">
                      {r.gold.accuracy === null ? (
                        <Missing why={r.gold.scored === 0 ? 'No gold item scored yet' : TOO_FEW_GOLD} />
                      ) : (
                        <>
                          {percent(r.gold.accuracy)}
                          <span className="muted block small">
                            {r.gold.lowerBound === null ? (
                              <Missing why={TOO_FEW_GOLD} />
                            ) : (
                              `≥ ${percent(r.gold.lowerBound)}`
                            )}{' '}
                            · {r.gold.correct}/{r.gold.scored}
                          </span>
                        </>
                      )}
                    </td>
                    <td className="num" data-testid="reviewer-agreement">
                      {r.agreement.percent === null ? (
                        <Missing why={TOO_FEW_PAIRS} />
                      ) : (
                        <>
                          {percent(r.agreement.percent)}
                          <span className="muted block small">{r.agreement.pairs} pairs</span>
                        </>
                      )}
                    </td>
                    <td className="num" data-testid="reviewer-kappa">
                      {r.agreement.kappa === null ? (
                        <Missing why={TOO_FEW_PAIRS} />
                      ) : (
                        score(r.agreement.kappa, 2)
                      )}
                    </td>
                    <td className="num" data-testid="reviewer-ac1">
                      {r.agreement.ac1 === null ? <Missing why={TOO_FEW_PAIRS} /> : score(r.agreement.ac1, 2)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
    </section>
  );
}
