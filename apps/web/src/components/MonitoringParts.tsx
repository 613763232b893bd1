import type { ReactNode } from 'react';
import type { Sort, SortDirection } from '../lib/monitoring';

/**
 * A sortable column's header: a button (so the keyboard reaches it) and aria-sort on the cell. A first
 * press sorts by the column in its natural direction, a second reverses it.
 */
export function SortHeader<K extends string>({
  column,
  label,
  sort,
  onSort,
  first = 'descending',
  numeric,
  title,
}: {
  column: K;
  label: ReactNode;
  sort: Sort<K>;
  onSort: (sort: Sort<K>) => void;
  /** The direction of a first press: descending for figures (largest first), ascending for names. */
  first?: SortDirection;
  numeric?: boolean;
  title?: string;
}) {
  const active = sort.key === column;
  const next: SortDirection = active ? (sort.direction === 'ascending' ? 'descending' : 'ascending') : first;
  return (
    <th
      scope="col"
      className={numeric ? 'num sortable' : 'sortable'}
      aria-sort={active ? sort.direction : 'none'}
      data-testid={`sort-${column}`}
    >
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort({ key: column, direction: next })}
        title={title}
        data-testid={`sort-${column}-button`}
      >
        {label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** A figure the API could not give (too few data): a dash, with why in its title. */
export function Missing({ why }: { why: string }) {
  return (
    <span className="muted missing" title={why} aria-label={`not available: ${why}`} data-testid="missing">
      —
    </span>
  );
}
