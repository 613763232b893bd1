import type { ReactNode } from 'react';
import type { Loaded } from '../hooks/useLoad';
import { ErrorNotice } from './ErrorNotice';

type ListLoad<T> = Pick<Loaded<T[]>, 'data' | 'error' | 'loading'>;

interface ListStateProps<T> {
  load: ListLoad<T>;
  /** Prefix of the test ids: `<testId>-error`, `-loading` and `-empty`. */
  testId: string;
  errorTitle: string;
  loadingText: string;
  empty: ReactNode;
  /** Wraps the list in a `.results` region with this test id, which tells when it is busy and how many rows it shows. */
  results?: { testId: string; live?: 'polite' };
  children: (rows: T[]) => ReactNode;
}

/**
 * A loaded list's error, loading and empty states around its rows. The error stays hidden while a reload runs,
 * and the last rows stay on screen meanwhile, so a refresh does not flash the list away.
 */
export function ListState<T>({
  load,
  testId,
  errorTitle,
  loadingText,
  empty,
  results,
  children,
}: ListStateProps<T>) {
  const rows = load.data;
  const body =
    rows === null ? (
      load.loading && (
        <p className="muted" data-testid={`${testId}-loading`}>
          {loadingText}
        </p>
      )
    ) : rows.length === 0 ? (
      <p className="empty-note" data-testid={`${testId}-empty`}>
        {empty}
      </p>
    ) : (
      children(rows)
    );
  return (
    <>
      {load.error && !load.loading && (
        <ErrorNotice error={load.error} testId={`${testId}-error`} title={errorTitle} />
      )}
      {results ? (
        <div
          className="results"
          data-testid={results.testId}
          aria-busy={load.loading}
          aria-live={results.live}
          data-count={rows?.length ?? ''}
        >
          {body}
        </div>
      ) : (
        body
      )}
    </>
  );
}

/** "Show N more": ignores presses while the longer list loads (aria-disabled keeps it focusable). */
export function LoadMore({
  loading,
  page,
  onMore,
  testId,
}: {
  loading: boolean;
  page: number;
  onMore: () => void;
  testId: string;
}) {
  return (
    <button
      type="button"
      className="button more-button"
      onClick={() => !loading && onMore()}
      aria-disabled={loading}
      data-testid={testId}
    >
      {loading ? 'Loading…' : `Show ${page} more`}
    </button>
  );
}

/** Reloads a list; aria-disabled rather than disabled, so the focus stays on it while the reload runs. */
export function RefreshButton({
  load,
  testId,
}: {
  load: Pick<Loaded<unknown>, 'loading' | 'reload'>;
  testId: string;
}) {
  return (
    <button
      type="button"
      className="button"
      onClick={() => !load.loading && load.reload()}
      aria-disabled={load.loading}
      data-testid={testId}
    >
      Refresh
    </button>
  );
}
