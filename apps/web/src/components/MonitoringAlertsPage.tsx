import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ApiError } from '../api/http';
import { acknowledgeAlert, connectMonitoringSocket, listAlerts, versionPath } from '../api/monitoring';
import type { AlertState, DriftAlert } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { useLoad, type Loaded } from '../hooks/useLoad';
import { formatDateTime } from '../lib/format';
import { inAppClick } from '../lib/links';
import { percent } from '../lib/monitoring';
import { ErrorNotice } from './ErrorNotice';
import { ListState, RefreshButton } from './ListState';
import { PageHead } from './PageHead';

type Live = 'connecting' | 'live' | 'offline';

const newestFirst = (a: DriftAlert, b: DriftAlert) =>
  b.openedAt.localeCompare(a.openedAt) || a.id.localeCompare(b.id);

/** Puts an alert pushed by the server into the list of its state, and takes it out of the other. */
function place(list: DriftAlert[] | null, alert: DriftAlert, state: AlertState): DriftAlert[] | null {
  if (list === null) return null;
  const rest = list.filter((a) => a.id !== alert.id);
  return alert.state === state ? [...rest, alert].sort(newestFirst) : rest;
}

/** Both lists follow the server's `monitoring:alert` pushes, so a new alert shows without a reload. */
function useLiveAlerts(open: Loaded<DriftAlert[]>, acknowledged: Loaded<DriftAlert[]>) {
  const { token } = useApiSession();
  const [live, setLive] = useState<Live>('connecting');
  const [arrived, setArrived] = useState<DriftAlert | null>(null);
  const setOpen = open.setData;
  const setAcknowledged = acknowledged.setData;
  const reloadOpen = open.reload;
  const reloadAcknowledged = acknowledged.reload;
  useEffect(() => {
    const socket = connectMonitoringSocket(token);
    let connectedBefore = false;
    socket.on('connect', () => {
      setLive('live');
      // Alerts opened while the connection was down were never pushed: read the lists again.
      if (connectedBefore) {
        reloadOpen();
        reloadAcknowledged();
      }
      connectedBefore = true;
    });
    socket.on('disconnect', () => setLive('offline'));
    socket.on('connect_error', () => setLive('offline'));
    socket.on('monitoring:alert', ({ alert }) => {
      setOpen((list) => place(list, alert, 'open'));
      setAcknowledged((list) => place(list, alert, 'acknowledged'));
      if (alert.state === 'open') setArrived(alert);
    });
    return () => {
      socket.disconnect();
    };
  }, [token, setOpen, setAcknowledged, reloadOpen, reloadAcknowledged]);
  return { live, arrived };
}

function AlertModel({ alert }: { alert: DriftAlert }) {
  const { navigate } = useApiSession();
  const path = versionPath(alert.queue, alert.model);
  return (
    <a href={path} onClick={inAppClick(navigate, path)} data-testid="alert-model-link">
      {alert.model.name} <span className="mono">{alert.model.version}</span>
    </a>
  );
}

function AcknowledgeForm({
  alert,
  onDone,
  onCancel,
}: {
  alert: DriftAlert;
  onDone: (alert: DriftAlert) => void;
  onCancel: () => void;
}) {
  const session = useApiSession();
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `ack-comment-${alert.id}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (comment.trim() === '') {
      setProblem('Say what you found and what was done: the comment is kept in the audit log.');
      document.getElementById(id)?.focus();
      return;
    }
    setProblem(null);
    setError(null);
    setBusy(true);
    try {
      onDone(await acknowledgeAlert(session.token, alert.id, comment.trim()));
    } catch (caught) {
      setError(failure(session, caught));
      setBusy(false);
    }
  };
  return (
    <form
      className="ack-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
      noValidate
      data-testid="ack-form"
    >
      <label className="comment-field" htmlFor={id}>
        <span>
          Comment <span className="muted small">(required)</span>
        </span>
        <textarea
          id={id}
          rows={2}
          value={comment}
          onChange={(e) => {
            setComment(e.target.value);
            if (e.target.value.trim() !== '') setProblem(null);
          }}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          required
          autoFocus
          data-testid="ack-comment"
        />
      </label>
      {problem && (
        <p className="problem" id={`${id}-problem`} data-testid="ack-problem">
          {problem}
        </p>
      )}
      {error && <ErrorNotice error={error} testId="ack-error" title="Could not acknowledge the alert" />}
      <div className="form-actions">
        <button type="submit" className="button button-primary" aria-disabled={busy} data-testid="ack-submit">
          {busy ? 'Acknowledging…' : 'Acknowledge'}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="ack-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

function AlertTable({
  alerts,
  state,
  canAcknowledge,
  onAcknowledged,
  fresh,
}: {
  alerts: DriftAlert[];
  state: AlertState;
  canAcknowledge: boolean;
  onAcknowledged: (alert: DriftAlert) => void;
  fresh: string | null;
}) {
  const [acknowledging, setAcknowledging] = useState<string | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const columns = state === 'open' ? (canAcknowledge ? 7 : 6) : 8;
  return (
    <div className="table-scroll">
      <table className="data-table alerts-table" data-testid={`alerts-${state}-table`}>
        <thead>
          <tr>
            <th scope="col">Opened</th>
            <th scope="col">Queue</th>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Baseline
            </th>
            <th scope="col" className="num">
              Observed
            </th>
            <th
              scope="col"
              className="num"
              title="Human decisions since the detector's estimate of the change"
            >
              Since change
            </th>
            {state === 'acknowledged' && (
              <>
                <th scope="col">Acknowledged</th>
                <th scope="col">Comment</th>
              </>
            )}
            {state === 'open' && canAcknowledge && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <Fragment key={alert.id}>
              <tr
                data-testid="alert-row"
                data-id={alert.id}
                data-state={alert.state}
                data-queue={alert.queue}
                data-version={alert.model.version}
                className={alert.id === fresh ? 'row-fresh' : undefined}
              >
                <td className="nowrap small">
                  <time dateTime={alert.openedAt} title={alert.openedAt}>
                    {formatDateTime(alert.openedAt)}
                  </time>
                </td>
                <td className="mono small">{alert.queue}</td>
                <th scope="row">
                  <AlertModel alert={alert} />
                </th>
                <td className="num">{percent(alert.baselineRate)}</td>
                <td className="num">
                  <strong className="rate-up">{percent(alert.observedRate)}</strong>
                </td>
                <td className="num">{alert.decisionsSinceChange.toLocaleString()}</td>
                {state === 'acknowledged' && (
                  <>
                    <td className="small">
                      {alert.acknowledgedByEmail ?? alert.acknowledgedBy ?? '—'}
                      <span className="muted block">{formatDateTime(alert.acknowledgedAt)}</span>
                    </td>
                    <td className="details-cell" data-testid="alert-comment">
                      {alert.comment}
                    </td>
                  </>
                )}
                {state === 'open' && canAcknowledge && (
                  <td className="row-actions">
                    <button
                      type="button"
                      ref={(el) => {
                        if (el) buttons.current.set(alert.id, el);
                        else buttons.current.delete(alert.id);
                      }}
                      className="button button-small"
                      onClick={() => setAcknowledging(acknowledging === alert.id ? null : alert.id)}
                      aria-expanded={acknowledging === alert.id}
                      aria-label={`Acknowledge the alert on ${alert.model.name} ${alert.model.version} in ${alert.queue}`}
                      data-testid="acknowledge"
                    >
                      Acknowledge…
                    </button>
                  </td>
                )}
              </tr>
              {acknowledging === alert.id && (
                <tr className="details-row" data-testid="ack-row">
                  <td colSpan={columns}>
                    <AcknowledgeForm
                      alert={alert}
                      onDone={(done) => {
                        setAcknowledging(null);
                        onAcknowledged(done);
                      }}
                      onCancel={() => {
                        setAcknowledging(null);
                        buttons.current.get(alert.id)?.focus();
                      }}
                    />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const LIVE_TEXT: Record<Live, string> = {
  connecting: 'Connecting…',
  live: 'Live: new alerts appear as they open',
  offline: 'Offline: new alerts show after a refresh',
};

/** Drift alerts: the open ones (admins acknowledge them with a comment) and those acknowledged already. */
export function MonitoringAlertsPage() {
  const { user } = useApiSession();
  const canAcknowledge = user.roles.includes('admin');
  const open = useLoad((token) => listAlerts(token, 'open'), 'open');
  const acknowledged = useLoad((token) => listAlerts(token, 'acknowledged'), 'acknowledged');
  const { live, arrived } = useLiveAlerts(open, acknowledged);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const setOpen = open.setData;
  const setAcknowledged = acknowledged.setData;

  const onAcknowledged = (alert: DriftAlert) => {
    setOpen((list) => place(list, alert, 'open'));
    setAcknowledged((list) => place(list, alert, 'acknowledged'));
    setNotice(
      `Acknowledged the alert on ${alert.model.name} ${alert.model.version} in ${alert.queue}; its detector starts over.`,
    );
  };
  useEffect(() => {
    // The acknowledged row left the open list, and the focus with it: keep it on the page, at the result.
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  return (
    <section className="page page-wide" aria-labelledby="monitoring-alerts-title">
      <PageHead id="monitoring-alerts-title" title="Drift alerts">
        <span className={`live-state live-${live}`} data-testid="alerts-live" data-state={live}>
          {LIVE_TEXT[live]}
        </span>
        <RefreshButton
          load={{
            loading: open.loading || acknowledged.loading,
            reload: () => {
              open.reload();
              acknowledged.reload();
            },
          }}
          testId="alerts-refresh"
        />
      </PageHead>
      <p className="muted page-intro">
        An alert opens when a version&apos;s override rate rises above its baseline (its first 300 human
        decisions, refined by later ones judged in control) by the queue&apos;s drift delta. Acknowledging it
        records why in the audit log, restarts the detector and resumes auto-approval if the queue suspended
        it.
      </p>
      {notice && (
        <p
          ref={noticeRef}
          className="notice notice-success"
          role="status"
          tabIndex={-1}
          data-testid="alerts-notice"
        >
          {notice}
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="alerts-arrived">
        {arrived
          ? `New drift alert on ${arrived.model.name} ${arrived.model.version} in ${arrived.queue}.`
          : ''}
      </p>
      <h2 className="section-title">Open</h2>
      <ListState
        load={open}
        testId="alerts-open"
        errorTitle="Could not load the open alerts"
        loadingText="Loading open alerts…"
        empty="No open alert: every model version's override rate is within its baseline."
        results={{ testId: 'alerts-open-results' }}
      >
        {(alerts) => (
          <AlertTable
            alerts={alerts}
            state="open"
            canAcknowledge={canAcknowledge}
            onAcknowledged={onAcknowledged}
            fresh={arrived?.id ?? null}
          />
        )}
      </ListState>
      <h2 className="section-title">Acknowledged</h2>
      <ListState
        load={acknowledged}
        testId="alerts-acknowledged"
        errorTitle="Could not load the acknowledged alerts"
        loadingText="Loading acknowledged alerts…"
        empty="No alert has been acknowledged yet."
        results={{ testId: 'alerts-acknowledged-results' }}
      >
        {(alerts) => (
          <AlertTable
            alerts={alerts}
            state="acknowledged"
            canAcknowledge={false}
            onAcknowledged={onAcknowledged}
            fresh={null}
          />
        )}
      </ListState>
    </section>
  );
}
