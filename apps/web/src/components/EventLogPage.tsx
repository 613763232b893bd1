import { useMemo } from 'react';
import { listQueueDetails } from '../api/admin';
import { listEvents } from '../api/audit';
import type { AuditEvent, Queue } from '../api/types';
import { useApiSession } from '../hooks/useApiSession';
import { useItemScoped } from '../hooks/useItemScoped';
import { useLoad } from '../hooks/useLoad';
import { actionLabel, formatDateTime, plural, shortJson } from '../lib/format';
import { ListState, LoadMore, RefreshButton } from './ListState';
import { PageHead } from './PageHead';
import { EventActor } from './Timeline';

/** The actions of the admin-action log. */
export const ADMIN_ACTIONS = [
  'queue.created',
  'queue.updated',
  'queue.paused',
  'queue.resumed',
  'user.created',
  'user.updated',
  'apikey.created',
  'apikey.revoked',
  'auth.login_failed',
  'auth.login_throttled',
  'model.alert_acknowledged',
] as const;

const ALL_ACTIONS = [
  'item.received',
  'item.auto_approved',
  'item.claimed',
  'claim.released',
  'claim.expired',
  'item.decided',
  'item.escalated',
  'item.sla_breached',
  'item.fallback',
  'item.requeued',
  'delivery.succeeded',
  'delivery.dead',
  'model.drift_detected',
  ...ADMIN_ACTIONS,
] as const;

const PAGE = 200;
const MAX_LIMIT = 10_000;

interface EventLogPageProps {
  /** `admin`: the admin-action log; `all`: the whole event log. */
  preset: 'admin' | 'all';
  search: string;
  basePath: string;
}

const NAME_KEYS = ['slug', 'email', 'service'];

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** The subject by name when the event carries one (a queue's slug, a user's email, a key's service). */
function subjectText(event: AuditEvent, queues: Queue[] | null): string {
  const sources = [event.data, record(event.data['after']), record(event.data['before'])];
  for (const source of sources) {
    const named = NAME_KEYS.map((key) => source?.[key]).find((v): v is string => typeof v === 'string');
    if (named) return named;
  }
  if (event.subject.type === 'queue') {
    const queue = queues?.find((q) => q.id === event.subject.id);
    if (queue) return queue.slug;
  }
  return event.subject.id;
}

/** What else the event says, in one line: the changed settings of an update, else the recorded facts. */
function detailsText(event: AuditEvent): string {
  const before = record(event.data['before']);
  const after = record(event.data['after']);
  if (before && after) {
    return Object.keys(after)
      .map((key) => `${key}: ${shortJson(before[key], 30)} → ${shortJson(after[key], 30)}`)
      .join(' · ');
  }
  const facts = after ?? event.data;
  return Object.entries(facts)
    .filter(([key]) => !NAME_KEYS.includes(key))
    .map(([key, value]) => `${key}: ${shortJson(value, 40)}`)
    .join(' · ');
}

export function EventLogPage({ preset, search, basePath }: EventLogPageProps) {
  const { navigate } = useApiSession();
  const choices: readonly string[] = preset === 'admin' ? ADMIN_ACTIONS : ALL_ACTIONS;
  const wanted = new URLSearchParams(search).get('action') ?? '';
  const action = choices.includes(wanted) ? wanted : '';
  const [limit, setLimit] = useItemScoped(action, PAGE);
  const actions = useMemo(
    () => (action ? [action] : preset === 'admin' ? ADMIN_ACTIONS : []),
    [action, preset],
  );
  const queues = useLoad(listQueueDetails, 'queues');
  const events = useLoad((token) => listEvents(token, { actions, limit }), `${preset}|${action}|${limit}`);
  const rows = events.data;
  const more = rows !== null && rows.length >= limit && limit < MAX_LIMIT;
  const title = preset === 'admin' ? 'Admin activity' : 'Event log';

  return (
    <section className="page page-wide" aria-labelledby="events-title">
      <PageHead id="events-title" title={title}>
        <label className="inline-field">
          <span>Action</span>
          <select
            value={action}
            onChange={(e) => navigate(e.target.value ? `${basePath}?action=${e.target.value}` : basePath)}
            data-testid="events-action"
          >
            <option value="">{preset === 'admin' ? 'All admin actions' : 'All actions'}</option>
            {choices.map((choice) => (
              <option key={choice} value={choice}>
                {actionLabel(choice)} ({choice})
              </option>
            ))}
          </select>
        </label>
        <RefreshButton load={events} testId="events-refresh" />
      </PageHead>
      <p className="muted page-intro">
        {preset === 'admin'
          ? 'Changes to queues, users and API keys, and failed sign-ins, newest first.'
          : 'Every audit event, newest first. The log is append-only and hash-chained.'}
      </p>
      <ListState
        load={events}
        testId="events"
        errorTitle="Could not load the events"
        loadingText="Loading events…"
        empty={<>No events{action ? ` of type ${action}` : ''} yet.</>}
        results={{ testId: 'events' }}
      >
        {(rows) => (
          <>
            <p className="results-summary muted">
              {plural(rows.length, 'event')}
              {more ? ' (the newest; more below)' : ''}
            </p>
            <table className="data-table" data-testid="event-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Details</th>
                  <th scope="col" className="num">
                    Seq
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((event) => (
                  <tr key={event.id} data-testid="event-row" data-action={event.action} data-seq={event.seq}>
                    <td className="nowrap small">
                      <time dateTime={event.at} title={event.at}>
                        {formatDateTime(event.at)}
                      </time>
                    </td>
                    <td>
                      {actionLabel(event.action)}
                      <code className="event-code block">{event.action}</code>
                    </td>
                    <td className="small">
                      <EventActor event={event} />
                    </td>
                    <td className="small" data-testid="event-subject">
                      <span className="muted">{event.subject.type}</span>{' '}
                      <span className="mono">{subjectText(event, queues.data)}</span>
                    </td>
                    <td className="small details-cell">{detailsText(event)}</td>
                    <td className="num small mono nowrap">
                      {event.seq}
                      {event.chain === null && (
                        <span className="muted" title="Not sealed into the hash chain yet">
                          {' '}
                          *
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.some((event) => event.chain === null) && (
              <p className="muted small footnote">
                * Not sealed into the hash chain yet: the worker seals events in order, shortly after they are
                written.
              </p>
            )}
            {more && (
              <LoadMore
                loading={events.loading}
                page={PAGE}
                onMore={() => setLimit(Math.min(MAX_LIMIT, limit + PAGE))}
                testId="events-more"
              />
            )}
          </>
        )}
      </ListState>
    </section>
  );
}
