import type { AlertState, DriftAlert, DriftDetectedWebhook } from '@arbiter/contracts';

export type AlertView = DriftAlert;

export interface AlertRow {
  id: string;
  queue: string;
  model_name: string;
  model_version: string;
  state: AlertState;
  opened_at: Date;
  baseline_rate: number;
  observed_rate: number;
  decisions_since_change: number;
  statistic: number;
  threshold: number;
  acknowledged_by: string | null;
  acknowledged_by_email: string | null;
  acknowledged_at: Date | null;
  comment: string | null;
}

/** The columns `toAlertView` needs, for `FROM model_alerts a JOIN queues q ... LEFT JOIN users u`. */
export const ALERT_COLUMNS = `a.id, q.slug AS queue, a.model_name, a.model_version, a.state, a.opened_at,
  a.baseline_rate, a.observed_rate, a.decisions_since_change, a.statistic, a.threshold, a.acknowledged_by,
  u.email AS acknowledged_by_email, a.acknowledged_at, a.comment`;
export const ALERT_FROM = `model_alerts a JOIN queues q ON q.id = a.queue_id
  LEFT JOIN users u ON u.id = a.acknowledged_by`;

export function toAlertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    queue: row.queue,
    model: { name: row.model_name, version: row.model_version },
    kind: 'override_drift',
    state: row.state,
    openedAt: row.opened_at.toISOString(),
    baselineRate: row.baseline_rate,
    observedRate: row.observed_rate,
    decisionsSinceChange: row.decisions_since_change,
    statistic: row.statistic,
    threshold: row.threshold,
    ...(row.acknowledged_by
      ? {
          acknowledgedBy: row.acknowledged_by,
          acknowledgedByEmail: row.acknowledged_by_email ?? undefined,
          acknowledgedAt: row.acknowledged_at?.toISOString(),
          comment: row.comment ?? undefined,
        }
      : {}),
  };
}

/** The body of a `model.drift_detected` webhook: the alert as the API shows it, timed by its opening. */
export function alertWebhookBody(alert: AlertView): string {
  const body: DriftDetectedWebhook = {
    type: 'model.drift_detected',
    timestamp: alert.openedAt,
    data: { alert },
  };
  return JSON.stringify(body);
}
