import type { Actor, Verdict } from '../api/types';
import { formatAge } from './time';

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A local date and time such as "Nov 26, 2026, 10:04:05 AM"; the ISO string itself when it is not a date. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : DATE_TIME.format(time);
}

/** "850 ms", "42s", "5m 03s"… */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : formatAge(ms);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as the value of a `datetime-local` input (local time, to the minute). */
export function toLocalInput(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return '';
  const d = new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of a `datetime-local` input (local time) as an ISO instant; '' when empty or invalid. */
export function fromLocalInput(value: string): string {
  if (!value) return '';
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? '' : new Date(time).toISOString();
}

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case 'user':
      return actor.name ?? actor.id ?? 'unknown user';
    case 'service':
      return actor.name ?? actor.id ?? 'unknown service';
    case 'system':
      return actor.name && actor.name !== 'arbiter' ? actor.name : 'Arbiter';
  }
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  approve: 'Approved',
  correct: 'Corrected',
  reject: 'Rejected',
  fallback: 'Fallback',
  auto_approve: 'Auto-approved',
};

const ACTION_LABELS: Record<string, string> = {
  'item.received': 'Received',
  'item.auto_approved': 'Auto-approved',
  'item.claimed': 'Claimed',
  'claim.released': 'Claim released',
  'claim.expired': 'Claim expired',
  'item.decided': 'Decided',
  'item.escalated': 'Escalated',
  'item.sla_breached': 'SLA breached',
  'item.fallback': 'Fallback applied',
  'item.requeued': 'Requeued',
  'item.assigned': 'Assigned',
  'delivery.succeeded': 'Delivered',
  'delivery.dead': 'Delivery failed',
  'queue.created': 'Queue created',
  'queue.updated': 'Queue updated',
  'queue.paused': 'Queue paused',
  'queue.resumed': 'Queue resumed',
  'user.created': 'User created',
  'user.updated': 'User updated',
  'apikey.created': 'API key created',
  'apikey.revoked': 'API key revoked',
  'auth.login_failed': 'Login failed',
  'auth.login_throttled': 'Logins throttled (a minute)',
  'model.drift_detected': 'Drift detected',
  'model.alert_acknowledged': 'Drift alert acknowledged',
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

/** "1 event", "3 events". */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString()} ${noun}${count === 1 ? '' : 's'}`;
}

/** A short one-line rendering of a JSON value. */
export function shortJson(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
