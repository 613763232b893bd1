import type { AuditEvent } from '../api/types';
import { actionLabel, actorLabel, formatDateTime, shortJson } from '../lib/format';
import { prettyJson } from '../lib/json';

const MAX_FACTS = 6;

/** The short, flat facts of an event's data (verdict, comment, queue…); the rest stays behind "All data". */
function facts(data: Record<string, unknown>): [string, string][] {
  return Object.entries(data)
    .filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value))
    .slice(0, MAX_FACTS)
    .map(([key, value]) => [key, shortJson(value, 60)]);
}

export function EventActor({ event }: { event: AuditEvent }) {
  return (
    <span className="actor" title={event.actor.id ?? undefined} data-testid="event-actor">
      <span className={`actor-type actor-${event.actor.type}`}>{event.actor.type}</span>{' '}
      {actorLabel(event.actor)}
    </span>
  );
}

/** Every audit event of an item, oldest first, with who did it and when. */
export function Timeline({ events }: { events: AuditEvent[] }) {
  if (events.length === 0) {
    return (
      <p className="muted" data-testid="timeline-empty">
        No events recorded for this item.
      </p>
    );
  }
  return (
    <ol className="timeline" data-testid="timeline" aria-label="Audit events, oldest first">
      {events.map((event) => {
        const shown = facts(event.data);
        const hasMore = Object.keys(event.data).length > shown.length;
        return (
          <li
            key={event.id}
            className={`timeline-event event-${event.action.replace(/[^a-z_]/g, '-')}`}
            data-testid="timeline-event"
            data-action={event.action}
            data-seq={event.seq}
          >
            <div className="timeline-head">
              <strong className="event-action">{actionLabel(event.action)}</strong>
              <code className="event-code">{event.action}</code>
              <span className="spacer" />
              <time className="muted small" dateTime={event.at} title={event.at} data-testid="event-time">
                {formatDateTime(event.at)}
              </time>
            </div>
            <div className="timeline-body">
              <span className="muted small">by</span> <EventActor event={event} />
              <span className="muted small event-seq">#{event.seq}</span>
            </div>
            {shown.length > 0 && (
              <dl className="event-facts">
                {shown.map(([key, value]) => (
                  <div key={key}>
                    <dt>{key}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            )}
            {hasMore && (
              <details className="event-data">
                <summary>All data</summary>
                <pre className="json">{prettyJson(event.data)}</pre>
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}
