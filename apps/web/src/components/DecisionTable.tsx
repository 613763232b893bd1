import type { DecisionRecord } from '../api/types';
import { formatDateTime, formatDuration, VERDICT_LABELS } from '../lib/format';
import { ItemLink } from './ItemLink';

export function VerdictBadge({ verdict }: { verdict: string }) {
  const label = (VERDICT_LABELS as Record<string, string>)[verdict] ?? verdict;
  return <span className={`verdict verdict-${verdict}`}>{label}</span>;
}

interface DecisionTableProps {
  rows: DecisionRecord[];
  /** The history's query, so the timeline can link back to the same filter. */
  backSearch: string;
}

export function DecisionTable({ rows, backSearch }: DecisionTableProps) {
  return (
    <div className="table-scroll">
      <table className="data-table decisions-table" data-testid="decision-table">
        <thead>
          <tr>
            <th scope="col">Decided</th>
            <th scope="col">Item</th>
            <th scope="col">Queue</th>
            <th scope="col">Model</th>
            <th scope="col">Verdict</th>
            <th scope="col">Reviewer</th>
            <th scope="col" className="num" title="From receipt to decision">
              Time to decide
            </th>
            <th scope="col">Comment</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.decisionId}
              data-testid="decision-row"
              data-decision-id={row.decisionId}
              data-item-id={row.itemId}
              data-external-id={row.externalId}
              data-verdict={row.verdict}
              data-decided-at={row.decidedAt}
            >
              <td className="nowrap small">
                <time dateTime={row.decidedAt} title={row.decidedAt}>
                  {formatDateTime(row.decidedAt)}
                </time>
              </td>
              <th scope="row">
                <ItemLink itemId={row.itemId} backSearch={backSearch} testId="open-timeline">
                  {row.externalId}
                </ItemLink>
              </th>
              <td className="mono small">
                <span className="clip" title={row.queue}>
                  {row.queue}
                </span>
              </td>
              <td className="small">
                <span className="clip" title={`${row.model.name}@${row.model.version}`}>
                  {row.model.name}
                  <span className="muted">@{row.model.version}</span>
                </span>
              </td>
              <td>
                <VerdictBadge verdict={row.verdict} />
              </td>
              <td className="small">
                {row.reviewer ? (
                  <span className="clip clip-wide" title={`${row.reviewer.email} (${row.reviewer.id})`}>
                    {row.reviewer.email}
                  </span>
                ) : (
                  <span className="muted">none (automatic)</span>
                )}
              </td>
              <td className="num small">{formatDuration(row.timeToDecisionMs)}</td>
              <td className="small">
                {row.comment ? (
                  <span className="clip clip-wide" title={row.comment}>
                    {row.comment}
                  </span>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
