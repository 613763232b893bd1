import { Fragment, useEffect, useRef, useState } from 'react';
import { listDeliveries, listQueueDetails, replayDeadDeliveries, replayDelivery } from '../api/admin';
import type { ApiError } from '../api/http';
import type { Delivery, DeliveryAttempt, DeliveryStatus } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatDateTime, formatDuration } from '../lib/format';
import { ErrorNotice } from './ErrorNotice';
import { ItemLink } from './ItemLink';
import { ListState, LoadMore, RefreshButton } from './ListState';
import { PageHead } from './PageHead';

const BASE_PATH = '/admin/deliveries';
const PAGE = 100;
/** The API's most per request: a refresh reads again as many rows as are shown, up to this. */
const MAX_LIMIT = 1000;

type StatusChoice = DeliveryStatus | 'all';

const STATUS_CHOICES: readonly { value: StatusChoice; label: string }[] = [
  { value: 'dead', label: 'Dead-lettered' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'all', label: 'All statuses' },
];

/** The filter in the address bar: `?status=` (dead unless said otherwise) and `?queue=`. */
function parseSearch(search: string): { status: StatusChoice; queue: string } {
  const params = new URLSearchParams(search);
  const wanted = params.get('status');
  const status = STATUS_CHOICES.find((c) => c.value === wanted)?.value ?? 'dead';
  return { status, queue: params.get('queue') ?? '' };
}

function pathOf(status: StatusChoice, queue: string): string {
  const params = new URLSearchParams();
  if (status !== 'dead') params.set('status', status);
  if (queue) params.set('queue', queue);
  const query = params.toString();
  return query ? `${BASE_PATH}?${query}` : BASE_PATH;
}

const deliveries = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'delivery' : 'deliveries'}`;

/** "HTTP 500", or why no answer came ("timeout after 10000 ms", "refused: …"). */
function attemptResult(attempt: DeliveryAttempt): string {
  if (attempt.statusCode === null) return attempt.error ?? 'No answer';
  const http = `HTTP ${attempt.statusCode}`;
  return attempt.error && attempt.error !== http ? `${http} · ${attempt.error}` : http;
}

const succeeded = (attempt: DeliveryAttempt) =>
  attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;

const STATUS_BADGE: Record<DeliveryStatus, string> = {
  dead: 'badge badge-dead',
  pending: 'badge',
  delivered: 'badge badge-ok',
};

function emptyText(status: StatusChoice, queue: string): string {
  const of = queue ? ` for ${queue}` : '';
  switch (status) {
    case 'dead':
      return `No dead-lettered deliveries${of}: every webhook was delivered or is still being retried.`;
    case 'pending':
      return `No delivery is waiting to be sent${of}.`;
    case 'delivered':
      return `No delivered webhooks${of} yet.`;
    case 'all':
      return `No webhook deliveries${of} yet. They appear once items of a queue with a callback URL reach a final state.`;
  }
}

function Attempts({ delivery, id }: { delivery: Delivery; id: string }) {
  const { attempts } = delivery;
  return (
    <div className="delivery-details" id={id} data-testid="delivery-attempts">
      <dl className="delivery-facts">
        <div>
          <dt>Webhook id</dt>
          <dd className="mono" data-testid="delivery-webhook-id">
            {delivery.webhookId}
          </dd>
        </div>
        <div>
          <dt>URL</dt>
          <dd className="mono url-cell">{delivery.url}</dd>
        </div>
        {delivery.createdAt && (
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(delivery.createdAt)}</dd>
          </div>
        )}
        {delivery.status === 'pending' && delivery.nextAttemptAt && (
          <div>
            <dt>Next attempt</dt>
            <dd>{formatDateTime(delivery.nextAttemptAt)}</dd>
          </div>
        )}
        {delivery.deliveredAt && (
          <div>
            <dt>Delivered</dt>
            <dd>{formatDateTime(delivery.deliveredAt)}</dd>
          </div>
        )}
      </dl>
      {attempts.length === 0 ? (
        <p className="muted small" data-testid="delivery-no-attempts">
          Not attempted yet.
        </p>
      ) : (
        <table className="attempt-table" aria-label={`Attempts to deliver item ${delivery.itemId}`}>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Time</th>
              <th scope="col">Result</th>
              <th scope="col" className="num" title="Since the attempt before">
                Waited
              </th>
              <th scope="col" className="num">
                Took
              </th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((attempt, index) => {
              const before = index > 0 ? Date.parse(attempts[index - 1]!.at) : NaN;
              const waited = Date.parse(attempt.at) - before;
              const ok = succeeded(attempt);
              return (
                <tr
                  key={index}
                  data-testid="delivery-attempt"
                  data-status-code={attempt.statusCode ?? ''}
                  data-ok={String(ok)}
                >
                  <td className="num">{index + 1}</td>
                  <td className="nowrap">
                    <time dateTime={attempt.at} title={attempt.at}>
                      {formatDateTime(attempt.at)}
                    </time>
                  </td>
                  <td>
                    <span className={ok ? 'attempt-ok' : 'attempt-failed'} data-testid="attempt-result">
                      {attemptResult(attempt)}
                    </span>
                  </td>
                  <td className="num muted">{Number.isNaN(waited) ? '—' : formatDuration(waited)}</td>
                  <td className="num muted">{formatDuration(attempt.durationMs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

type Notice = { tone: 'success' | 'info'; text: string };

/** Webhook deliveries: the dead letters by default, each with its attempts, and replaying them. */
export function AdminDeliveriesPage({ search }: { search: string }) {
  const session = useApiSession();
  const { navigate } = session;
  const { status, queue } = parseSearch(search);
  const query = `${status}|${queue}`;
  const filter = { ...(status === 'all' ? {} : { status }), ...(queue ? { queue } : {}) };
  /** How many rows of this filter are on screen: a reload (refresh, replay) reads as many again. */
  const shown = useRef({ query, count: PAGE });
  const queues = useLoad(listQueueDetails, 'queues');
  const list = useLoad((token) => {
    const count = shown.current.query === query ? shown.current.count : PAGE;
    return listDeliveries(token, { ...filter, limit: Math.min(MAX_LIMIT, Math.max(PAGE, count)) });
  }, query);
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const currentQuery = useRef(query);
  useEffect(() => {
    currentQuery.current = query;
    setMoreError(null);
  }, [query]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [error, setError] = useState<{ title: string; error: ApiError } | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const replayAllRef = useRef<HTMLButtonElement>(null);

  const rows = list.data?.deliveries ?? null;
  const total = list.data?.total ?? 0;
  const next = list.data?.next ?? null;
  /** How many dead deliveries "Replay all" would send. */
  const deadCount = status === 'dead' && list.data !== null && !list.loading ? total : null;

  /** The row replayed last, and whether "Replay all" just finished: where the keyboard focus was. */
  const replayedRow = useRef<string | null>(null);
  const replayedAll = useRef(false);
  // A replayed row leaves the list once it is no longer dead: keep the keyboard focus on the page, at the notice.
  useEffect(() => {
    const id = replayedRow.current;
    if (id === null || rows === null || rows.some((d) => d.id === id)) return;
    replayedRow.current = null;
    const active = document.activeElement;
    if (!active || active === document.body) (noticeRef.current ?? replayAllRef.current)?.focus();
  }, [rows]);
  // The confirmation closed with its buttons: the focus goes to the result, else back to "Replay all dead".
  useEffect(() => {
    if (!replayedAll.current || confirmAll) return;
    replayedAll.current = false;
    (noticeRef.current ?? replayAllRef.current)?.focus();
  }, [confirmAll, notice]);

  const toggle = (id: string) =>
    setExpanded((open) => {
      const next = new Set(open);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const replay = async (delivery: Delivery) => {
    setBusy(delivery.id);
    setError(null);
    setNotice(null);
    setConfirmAll(false);
    try {
      const replayed = await replayDelivery(session.token, delivery.id);
      replayedRow.current = replayed.id;
      list.setData((page) =>
        page
          ? { ...page, deliveries: page.deliveries.map((d) => (d.id === replayed.id ? replayed : d)) }
          : null,
      );
      setNotice({
        tone: 'success',
        text:
          `Replaying the delivery of item ${replayed.itemId} to ${replayed.url} under the same webhook-id ` +
          `${replayed.webhookId}. It is ${replayed.status} until the worker sends it, within seconds.`,
      });
      list.reload();
    } catch (caught) {
      const shown = failure(session, caught);
      if (shown)
        setError({ title: `Could not replay the delivery of item ${delivery.itemId}`, error: shown });
    } finally {
      setBusy(null);
    }
  };

  const replayAll = async () => {
    setBusy('all');
    setError(null);
    setNotice(null);
    try {
      const replayed = await replayDeadDeliveries(session.token, queue || undefined);
      setNotice(
        replayed === 0
          ? {
              tone: 'info',
              text: `There was no dead-lettered delivery${queue ? ` for ${queue}` : ''} to replay.`,
            }
          : {
              tone: 'success',
              text:
                `Replaying ${deliveries(replayed)}${queue ? ` for ${queue}` : ''}, each under its own ` +
                'webhook-id as before. They are pending until the worker sends them, within seconds.',
            },
      );
      list.reload();
    } catch (caught) {
      const shown = failure(session, caught);
      if (shown) setError({ title: 'Could not replay the dead-lettered deliveries', error: shown });
    } finally {
      setBusy(null);
      setConfirmAll(false);
      replayedAll.current = true;
    }
  };

  /** The page after the last one shown, appended; dropped if the filter changed or the list reloaded meanwhile. */
  const loadMore = async () => {
    if (next === null || moreBusy || list.loading) return;
    const asked = query;
    setMoreBusy(true);
    setMoreError(null);
    try {
      const page = await listDeliveries(session.token, { ...filter, limit: PAGE, cursor: next });
      if (currentQuery.current !== asked) return;
      list.setData((data) => {
        if (!data || data.next !== next) return data;
        const seen = new Set(data.deliveries.map((d) => d.id));
        const deliveries = [...data.deliveries, ...page.deliveries.filter((d) => !seen.has(d.id))];
        return { deliveries, next: page.next, total: page.total };
      });
      shown.current = { query: asked, count: (rows?.length ?? 0) + page.deliveries.length };
    } catch (caught) {
      const shownError = failure(session, caught);
      if (shownError && currentQuery.current === asked) setMoreError(shownError);
    } finally {
      setMoreBusy(false);
    }
  };

  const cancelAll = () => {
    setConfirmAll(false);
    replayAllRef.current?.focus();
  };

  // A queue named in the address bar that the list does not have stays selectable (the API then says why).
  const queueOptions = queues.data?.map((q) => q.slug) ?? [];
  if (queue && !queueOptions.includes(queue)) queueOptions.unshift(queue);
  const nothingDead = status === 'dead' && deadCount === 0;

  return (
    <section className="page page-wide" aria-labelledby="admin-deliveries-title">
      <PageHead id="admin-deliveries-title" title="Webhook deliveries">
        <label className="inline-field">
          <span>Status</span>
          <select
            value={status}
            onChange={(e) => navigate(pathOf(e.target.value as StatusChoice, queue))}
            data-testid="deliveries-status"
          >
            {STATUS_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Queue</span>
          <select
            value={queue}
            onChange={(e) => navigate(pathOf(status, e.target.value))}
            data-testid="deliveries-queue"
          >
            <option value="">All queues</option>
            {queueOptions.map((slug) => (
              <option key={slug} value={slug}>
                {queues.data?.find((q) => q.slug === slug)?.name ?? slug}
              </option>
            ))}
          </select>
        </label>
        <RefreshButton load={list} testId="deliveries-refresh" />
        <button
          type="button"
          ref={replayAllRef}
          className="button button-escalate"
          onClick={() => {
            if (busy !== null || nothingDead) return;
            setNotice(null);
            setConfirmAll(true);
          }}
          aria-disabled={busy !== null || nothingDead}
          aria-expanded={confirmAll}
          aria-controls={confirmAll ? 'replay-all-confirm' : undefined}
          title={nothingDead ? 'Nothing is dead-lettered' : undefined}
          data-testid="replay-all-dead"
        >
          Replay all dead{queue ? ` in ${queue}` : ''}
        </button>
      </PageHead>
      <p className="muted page-intro">
        Arbiter posts a signed webhook when an item reaches a final state and retries it with backoff until
        the receiver answers 2xx; when the attempts run out, the delivery is dead-lettered. A replay sends it
        again under the same <code>webhook-id</code>, so receivers can recognise a repeat.
      </p>
      {confirmAll && (
        <div
          className="card confirm-card"
          id="replay-all-confirm"
          role="group"
          aria-labelledby="replay-all-question"
          onKeyDown={(e) => {
            if (e.key === 'Escape') cancelAll();
          }}
          data-testid="replay-all-confirm"
        >
          <p id="replay-all-question">
            <strong>
              Send{' '}
              {deadCount === null
                ? 'every dead-lettered delivery'
                : deadCount === rows?.length
                  ? `the ${deliveries(deadCount)} below`
                  : `all ${deliveries(deadCount)} dead-lettered`}
              {queue ? ` of ${queue}` : ''} again?
            </strong>{' '}
            Each goes back to pending with a fresh round of attempts; the earlier attempts are kept.
          </p>
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() => busy === null && void replayAll()}
              aria-disabled={busy === 'all'}
              autoFocus
              data-testid="confirm-replay-all"
            >
              {busy === 'all' ? 'Replaying…' : 'Replay all dead'}
            </button>
            <button type="button" className="button" onClick={cancelAll} data-testid="cancel-replay-all">
              Cancel
            </button>
          </div>
        </div>
      )}
      {notice && (
        <p
          ref={noticeRef}
          className={`notice notice-${notice.tone}`}
          role="status"
          tabIndex={-1}
          data-testid="delivery-notice"
        >
          {notice.text}
        </p>
      )}
      {error && <ErrorNotice error={error.error} testId="delivery-action-error" title={error.title} />}
      {queues.error && !queues.loading && (
        <ErrorNotice error={queues.error} testId="queues-error" title="Could not list the queues" />
      )}
      <ListState
        load={{ data: rows, error: list.error, loading: list.loading }}
        testId="deliveries"
        errorTitle="Could not load the deliveries"
        loadingText="Loading deliveries…"
        empty={emptyText(status, queue)}
        results={{ testId: 'deliveries' }}
      >
        {(rows) => (
          <>
            <p
              className="results-summary muted"
              data-testid="deliveries-summary"
              data-total={total}
              data-shown={rows.length}
            >
              {deliveries(total)}, newest first
              {rows.length < total ? ` · showing the newest ${rows.length.toLocaleString()}` : ''}
              {list.loading && ' · updating…'}
            </p>
            <div className="table-scroll">
              <table className="data-table deliveries-table" data-testid="delivery-list">
                <thead>
                  <tr>
                    <th scope="col">Attempts</th>
                    <th scope="col">Item</th>
                    <th scope="col">Queue</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last attempt</th>
                    <th scope="col">URL</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((delivery) => {
                    const open = expanded.has(delivery.id);
                    const detailsId = `delivery-${delivery.id}-attempts`;
                    const last = delivery.attempts.at(-1);
                    return (
                      <Fragment key={delivery.id}>
                        <tr
                          className={open ? 'row-open' : undefined}
                          data-testid="delivery-row"
                          data-id={delivery.id}
                          data-item-id={delivery.itemId ?? undefined}
                          data-webhook-id={delivery.webhookId}
                          data-queue={delivery.queue}
                          data-status={delivery.status}
                          data-attempts={delivery.attempts.length}
                        >
                          <td>
                            <button
                              type="button"
                              className="button button-quiet button-small expand-button"
                              onClick={() => toggle(delivery.id)}
                              aria-expanded={open}
                              aria-controls={open ? detailsId : undefined}
                              aria-label={`${open ? 'Hide' : 'Show'} the ${delivery.attempts.length} attempts to deliver item ${delivery.itemId}`}
                              data-testid="delivery-toggle"
                            >
                              <span className="chevron" aria-hidden="true">
                                {open ? '▾' : '▸'}
                              </span>{' '}
                              {delivery.attempts.length}
                            </button>
                          </td>
                          <th scope="row">
                            {delivery.itemId ? (
                              <ItemLink itemId={delivery.itemId} testId="delivery-item-link">
                                {delivery.itemId}
                              </ItemLink>
                            ) : (
                              <span className="mono small" title={`Drift alert ${delivery.alertId ?? ''}`}>
                                drift alert {delivery.alertId?.slice(0, 8)}
                              </span>
                            )}
                          </th>
                          <td className="mono small">
                            <span className="clip" title={delivery.queue}>
                              {delivery.queue}
                            </span>
                          </td>
                          <td>
                            <span className={STATUS_BADGE[delivery.status]} data-testid="delivery-status">
                              {delivery.status}
                            </span>
                          </td>
                          <td className="small" data-testid="delivery-last-attempt">
                            {last ? (
                              <>
                                <span className={succeeded(last) ? 'attempt-ok' : 'attempt-failed'}>
                                  {attemptResult(last)}
                                </span>
                                <span className="muted block">
                                  <time dateTime={last.at} title={last.at}>
                                    {formatDateTime(last.at)}
                                  </time>
                                </span>
                              </>
                            ) : (
                              <span className="muted">none yet</span>
                            )}
                          </td>
                          <td className="small mono">
                            <span className="clip clip-wide" title={delivery.url}>
                              {delivery.url}
                            </span>
                          </td>
                          <td className="small nowrap">{formatDateTime(delivery.createdAt)}</td>
                          <td className="row-actions">
                            <button
                              type="button"
                              className="button button-small"
                              onClick={() => busy === null && void replay(delivery)}
                              aria-disabled={busy === delivery.id}
                              aria-label={`Replay the delivery of item ${delivery.itemId}`}
                              data-testid="replay-delivery"
                            >
                              {busy === delivery.id
                                ? 'Replaying…'
                                : delivery.status === 'pending'
                                  ? 'Send now'
                                  : 'Replay'}
                            </button>
                          </td>
                        </tr>
                        {open && (
                          <tr
                            className="details-row"
                            data-testid="delivery-details-row"
                            data-id={delivery.id}
                          >
                            <td colSpan={8}>
                              <Attempts delivery={delivery} id={detailsId} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {moreError && (
              <ErrorNotice
                error={moreError}
                testId="deliveries-more-error"
                title="Could not load more deliveries"
              />
            )}
            {next !== null && (
              <LoadMore
                loading={list.loading || moreBusy}
                page={total > rows.length ? Math.min(PAGE, total - rows.length) : PAGE}
                onMore={() => void loadMore()}
                testId="deliveries-more"
              />
            )}
          </>
        )}
      </ListState>
    </section>
  );
}
