import { useState } from 'react';
import { listQueueDetails, setQueuePaused } from '../api/admin';
import type { ApiError } from '../api/http';
import type { Queue } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatAge } from '../lib/time';
import { ErrorNotice } from './ErrorNotice';
import { ListState } from './ListState';
import { NewButton, PageHead, StatusNotice } from './PageHead';
import { QueueForm } from './QueueForm';
import { SecretField } from './SecretField';

type Notice = { text: string; tone: 'success' | 'info' };

function slaText(queue: Queue): string {
  if (queue.slaSeconds == null) return '—';
  return `${formatAge(queue.slaSeconds * 1000)} → ${queue.onSlaBreach}`;
}

export function AdminQueuesPage() {
  const session = useApiSession();
  const queues = useLoad(listQueueDetails, 'queues');
  const [editing, setEditing] = useState<Queue | 'new' | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [error, setError] = useState<{ title: string; error: ApiError } | null>(null);
  const [alertSecret, setAlertSecret] = useState<{ queue: string; secret: string } | null>(null);

  const replace = (saved: Queue) =>
    queues.setData((list) => {
      if (!list) return [saved];
      return list.some((q) => q.slug === saved.slug)
        ? list.map((q) => (q.slug === saved.slug ? saved : q))
        : [...list, saved];
    });

  const togglePause = async (queue: Queue) => {
    const pause = !queue.paused;
    setBusy(queue.slug);
    setError(null);
    setNotice(null);
    try {
      replace(await setQueuePaused(session.token, queue.slug, pause));
      setNotice({
        tone: pause ? 'info' : 'success',
        text: pause
          ? `Paused ${queue.name}. Services submitting to it get 423 QUEUE_PAUSED until you resume it.`
          : `Resumed ${queue.name}. It accepts submissions again.`,
      });
    } catch (caught) {
      const shown = failure(session, caught);
      if (shown) setError({ title: `Could not ${pause ? 'pause' : 'resume'} ${queue.name}`, error: shown });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="page page-wide" aria-labelledby="admin-queues-title">
      <PageHead id="admin-queues-title" title="Queues">
        <NewButton
          label="New queue"
          testId="new-queue-button"
          open={editing === 'new'}
          onOpen={() => {
            setNotice(null);
            setEditing('new');
          }}
        />
      </PageHead>
      <StatusNotice text={notice?.text ?? null} tone={notice?.tone} testId="queue-notice" />
      {error && <ErrorNotice error={error.error} testId="queue-action-error" title={error.title} />}
      {alertSecret && (
        <section
          className="card secret-card"
          aria-label="Alert webhook secret"
          data-testid="alert-secret-created"
        >
          <p className="notice notice-warn" role="alert">
            <strong>Shown only now.</strong> Alert webhooks of {alertSecret.queue} are signed with this secret
            (Standard Webhooks). Store it with the receiver; Arbiter will not show it again.
          </p>
          <SecretField label="Alert webhook secret" value={alertSecret.secret} testId="alert-secret" />
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              onClick={() => setAlertSecret(null)}
              data-testid="alert-secret-done"
            >
              I have stored it
            </button>
          </div>
        </section>
      )}
      {editing && (
        <QueueForm
          key={editing === 'new' ? 'new' : editing.slug}
          queue={editing === 'new' ? null : editing}
          queues={queues.data ?? []}
          onCancel={() => setEditing(null)}
          onSaved={({ alertSecret: secret, ...saved }, created) => {
            replace(saved);
            setEditing(null);
            setAlertSecret(secret ? { queue: saved.name, secret } : null);
            setNotice({ tone: 'success', text: created ? `Created ${saved.name}.` : `Saved ${saved.name}.` });
          }}
        />
      )}
      <ListState
        load={queues}
        testId="admin-queues"
        errorTitle="Could not list the queues"
        loadingText="Loading queues…"
        empty="No queues yet. Create one for each kind of AI output your services send for review."
      >
        {(list) => (
          <table className="data-table" data-testid="admin-queue-list">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Lease
                </th>
                <th scope="col">SLA</th>
                <th scope="col">Escalate to</th>
                <th scope="col" className="num">
                  Reviews
                </th>
                <th scope="col" className="num">
                  Auto-approve
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((queue) => (
                <tr
                  key={queue.slug}
                  data-testid="admin-queue-row"
                  data-queue={queue.slug}
                  data-paused={String(queue.paused)}
                >
                  <th scope="row">
                    <span className="queue-name">{queue.name}</span>
                    <span className="queue-slug">{queue.slug}</span>
                  </th>
                  <td>
                    {queue.paused ? (
                      <span className="badge badge-warn" data-testid="queue-state">
                        paused
                      </span>
                    ) : (
                      <span className="badge badge-ok" data-testid="queue-state">
                        accepting
                      </span>
                    )}
                  </td>
                  <td className="num small">{formatAge(queue.leaseSeconds * 1000)}</td>
                  <td className="small">{slaText(queue)}</td>
                  <td className="small mono">{queue.escalateTo ?? '—'}</td>
                  <td className="num small">{queue.reviewsRequired}</td>
                  <td className="num small">
                    {queue.autoApproveAbove == null ? '—' : `≥ ${queue.autoApproveAbove}`}
                  </td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        setNotice(null);
                        setEditing(queue);
                      }}
                      aria-label={`Edit ${queue.name}`}
                      data-testid="edit-queue"
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className={`button button-small ${queue.paused ? 'button-approve' : 'button-escalate'}`}
                      onClick={() => busy === null && void togglePause(queue)}
                      aria-disabled={busy === queue.slug}
                      aria-label={`${queue.paused ? 'Resume' : 'Pause'} ${queue.name}`}
                      data-testid={queue.paused ? 'resume-queue' : 'pause-queue'}
                    >
                      {busy === queue.slug ? 'Working…' : queue.paused ? 'Resume' : 'Pause'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </section>
  );
}
