import { actorOf, type Principal } from '@arbiter/auth';
import { normalizeIsoTime } from '@arbiter/audit';
import {
  type AlertList,
  DomainError,
  type ModelDetail,
  type ModelList,
  type ModelRef,
  type ModelSummary,
} from '@arbiter/contracts';
import { DomainEvents } from '@arbiter/events';
import { QueueService } from '@arbiter/queues';
import { Injectable } from '@nestjs/common';
import type { AlertView } from './alert.js';
import {
  type HourRange,
  MonitoringRepository,
  type VersionDrift,
  type VersionKey,
  type VersionTotals,
} from './monitoring.repository.js';
import type {
  AcknowledgeAlertDto,
  ListAlertsQueryDto,
  ListModelsQueryDto,
  ModelDetailQueryDto,
  MonitoringRangeQueryDto,
} from './monitoring-query.dto.js';
import {
  BASELINE_DECISIONS,
  calibration,
  type ConfidenceBin,
  thresholdAdvice,
  wilsonInterval,
} from './stats/index.js';

/** Fields listed on a version's page, most edited first. */
const FIELD_LIMIT = 200;

@Injectable()
export class MonitoringService {
  constructor(
    private readonly monitoring: MonitoringRepository,
    private readonly queues: QueueService,
    private readonly events: DomainEvents,
  ) {}

  async listModels(principal: Principal, query: ListModelsQueryDto): Promise<ModelList> {
    const queueId = query.queue ? (await this.queues.get(principal, query.queue)).id : undefined;
    const range = { queueId, ...rangeOf(query) };
    const [totals, bins, drift] = await Promise.all([
      this.monitoring.totals(range),
      this.monitoring.confidenceBins(range),
      this.monitoring.drift(queueId),
    ]);
    return {
      models: totals.map((t) => summaryOf(t, bins.get(keyOf(t)) ?? [], drift.get(keyOf(t)))),
    };
  }

  async modelDetail(
    principal: Principal,
    slug: string,
    model: ModelRef,
    query: ModelDetailQueryDto,
  ): Promise<ModelDetail> {
    const queue = await this.queues.get(principal, slug);
    const version: VersionKey = { queueId: queue.id, ...model };
    if (!(await this.monitoring.versionExists(version))) throw DomainError.notFound('Model version');
    const range: HourRange = { queueId: queue.id, ...rangeOf(query) };
    const [[totals], bins, drift, series, fields] = await Promise.all([
      this.monitoring.totals(range, model),
      this.monitoring.confidenceBins(range, model),
      this.monitoring.drift(queue.id),
      this.monitoring.series(range, version, query.bucket ?? 'hour'),
      this.monitoring.fields(range, version, FIELD_LIMIT),
    ]);
    const versionBins = bins.get(keyOf(version)) ?? [];
    const summary = summaryOf(
      totals ?? emptyTotals(version, queue.slug),
      versionBins,
      drift.get(keyOf(version)),
    );
    return {
      model: summary,
      series: series.map((p) => ({
        start: p.start.toISOString(),
        decisions: p.decisions,
        overrides: p.overrides,
        overrideRate: p.overrides / p.decisions,
        overrideInterval: wilsonInterval(p.overrides, p.decisions),
      })),
      fields: fields.map((f) => ({
        path: f.path,
        edits: f.edits,
        present: f.present,
        // Over the decisions where the field was in play: present in the AI output, or added by the reviewer.
        editRate: f.touched > 0 ? f.edits / f.touched : 0,
      })),
      calibration: calibration(versionBins),
      threshold: {
        ...thresholdAdvice(versionBins, queue.targetOverrideRate),
        current: queue.autoApproveAbove,
      },
    };
  }

  async listAlerts(principal: Principal, query: ListAlertsQueryDto): Promise<AlertList> {
    const queueId = query.queue ? (await this.queues.get(principal, query.queue)).id : undefined;
    return { alerts: await this.monitoring.alerts({ state: query.state, queueId }) };
  }

  async acknowledge(principal: Principal, id: string, dto: AcknowledgeAlertDto): Promise<AlertView> {
    const alert = await this.monitoring.acknowledge(id, actorOf(principal), dto.comment);
    this.events.publish({ type: 'model.alert', alert: { ...alert } });
    return alert;
  }
}

function rangeOf(query: MonitoringRangeQueryDto): { from?: string; to?: string } {
  return {
    from: query.from ? (normalizeIsoTime(query.from) ?? undefined) : undefined,
    to: query.to ? (normalizeIsoTime(query.to) ?? undefined) : undefined,
  };
}

const keyOf = (v: VersionKey) => JSON.stringify([v.queueId, v.name, v.version]);

function emptyTotals(v: VersionKey, queue: string): VersionTotals {
  return {
    ...v,
    queue,
    approved: 0,
    corrected: 0,
    rejected: 0,
    autoApproved: 0,
    qaSampled: 0,
    qaOverrides: 0,
    firstSeenAt: null,
    lastDecidedAt: null,
  };
}

function summaryOf(t: VersionTotals, bins: ConfidenceBin[], drift: VersionDrift | undefined): ModelSummary {
  const decisions = t.approved + t.corrected + t.rejected;
  const overrides = t.corrected + t.rejected;
  const fit = calibration(bins);
  const state = drift?.state;
  return {
    queue: t.queue,
    model: { name: t.name, version: t.version },
    decisions,
    approved: t.approved,
    corrected: t.corrected,
    rejected: t.rejected,
    overrideRate: decisions > 0 ? overrides / decisions : null,
    overrideInterval: wilsonInterval(overrides, decisions),
    autoApproved: t.autoApproved,
    qaSampled: t.qaSampled,
    qaOverrideRate: t.qaSampled > 0 ? t.qaOverrides / t.qaSampled : null,
    ece: fit.ece,
    brier: fit.brier,
    drift: {
      state: drift?.openAlertId ? 'alert' : 'ok',
      statistic: state?.statistic ?? 0,
      threshold: state?.h ?? null,
      baselineRate: state?.p0 ?? null,
      baselineDecisions: state?.p0 == null ? 0 : (state.baselineDecisions ?? BASELINE_DECISIONS),
      observed: state?.decisions ?? 0,
      ...(drift?.openAlertId ? { openAlertId: drift.openAlertId } : {}),
    },
    firstSeenAt: t.firstSeenAt?.toISOString() ?? null,
    lastDecidedAt: t.lastDecidedAt?.toISOString() ?? null,
  };
}
