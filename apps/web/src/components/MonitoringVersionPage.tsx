import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/http';
import { updateQueue } from '../api/admin';
import { getModelDetail, getQueue, listModels, versionPath } from '../api/monitoring';
import type { Bucket, ModelDetail, ModelRef } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatDateTime } from '../lib/format';
import { inAppClick } from '../lib/links';
import { intervalText, percent, score, thresholdText } from '../lib/monitoring';
import { ErrorNotice } from './ErrorNotice';
import {
  ChartCard,
  FieldEditsChart,
  OverrideRateChart,
  ReliabilityChart,
  RiskCoverageChart,
  type ComparedSeries,
} from './MonitoringCharts';
import { DriftCell } from './MonitoringModelsPage';
import { Missing } from './MonitoringParts';
import { PageHead, StatusNotice } from './PageHead';

/** Versions overlaid on the override chart at most, the most recently decided first. */
const COMPARED = 4;

const BUCKETS: readonly { value: Bucket; label: string }[] = [
  { value: 'hour', label: 'By hour' },
  { value: 'day', label: 'By day' },
];

const bucketOf = (search: string): Bucket =>
  new URLSearchParams(search).get('bucket') === 'day' ? 'day' : 'hour';

/** The other versions of the same model on the same queue, each with its series in the same buckets. */
async function comparedVersions(
  token: string,
  queue: string,
  model: ModelRef,
  bucket: Bucket,
): Promise<ComparedSeries[]> {
  const siblings = (await listModels(token, queue))
    .filter((m) => m.queue === queue && m.model.name === model.name && m.model.version !== model.version)
    .sort((a, b) => (b.lastDecidedAt ?? '').localeCompare(a.lastDecidedAt ?? ''))
    .slice(0, COMPARED);
  return Promise.all(
    siblings.map(async (m) => ({
      label: `${m.model.name} ${m.model.version}`,
      series: (await getModelDetail(token, queue, m.model, bucket)).series,
    })),
  );
}

function Facts({ detail }: { detail: ModelDetail }) {
  const m = detail.model;
  return (
    <dl className="monitoring-facts" data-testid="version-facts">
      <div>
        <dt>Decisions</dt>
        <dd data-testid="fact-decisions">{m.decisions.toLocaleString()}</dd>
      </div>
      <div>
        <dt>Override rate</dt>
        <dd data-testid="fact-override-rate">
          {m.overrideRate === null ? (
            <Missing why="No human decision yet" />
          ) : (
            <>
              {percent(m.overrideRate)}{' '}
              <span className="muted small">({intervalText(m.overrideInterval)})</span>
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>Corrected / rejected</dt>
        <dd>
          {m.corrected.toLocaleString()} / {m.rejected.toLocaleString()}
        </dd>
      </div>
      <div>
        <dt>Auto-approved</dt>
        <dd>{m.autoApproved.toLocaleString()}</dd>
      </div>
      <div>
        <dt>QA sample overrides</dt>
        <dd>
          {m.qaOverrideRate === null ? (
            <Missing why="No auto-approved output was sampled for QA" />
          ) : (
            `${percent(m.qaOverrideRate)} of ${m.qaSampled}`
          )}
        </dd>
      </div>
      <div>
        <dt>ECE</dt>
        <dd data-testid="fact-ece">
          {m.ece === null ? <Missing why="No decision with a confidence" /> : score(m.ece)}
        </dd>
      </div>
      <div>
        <dt>Brier</dt>
        <dd data-testid="fact-brier">
          {m.brier === null ? <Missing why="No decision with a confidence" /> : score(m.brier)}
        </dd>
      </div>
      <div>
        <dt>Drift</dt>
        <dd>
          <DriftCell drift={m.drift} />
        </dd>
      </div>
      <div>
        <dt>Last decided</dt>
        <dd className="nowrap">{formatDateTime(m.lastDecidedAt)}</dd>
      </div>
    </dl>
  );
}

/** The confirmation: the queue's threshold now and the suggested one, read fresh from the queue. */
function ApplyDialog({
  queue,
  suggested,
  onApplied,
  onClose,
}: {
  queue: string;
  suggested: number;
  onApplied: (previous: number | null) => void;
  onClose: () => void;
}) {
  const session = useApiSession();
  const ref = useRef<HTMLDialogElement>(null);
  const current = useLoad((token) => getQueue(token, queue), queue);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  const old = current.data?.autoApproveAbove ?? null;
  const apply = async () => {
    if (busy || !current.data) return;
    setBusy(true);
    setError(null);
    try {
      await updateQueue(session.token, queue, { autoApproveAbove: suggested });
      onApplied(old);
    } catch (caught) {
      setError(failure(session, caught));
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      className="card monitoring-dialog"
      aria-labelledby="apply-threshold-title"
      onClose={onClose}
      data-testid="apply-threshold-dialog"
    >
      <h2 id="apply-threshold-title" className="form-title">
        Change auto-approval of {queue}?
      </h2>
      {current.data === null ? (
        current.error ? (
          <ErrorNotice error={current.error} testId="apply-queue-error" title="Could not read the queue" />
        ) : (
          <p className="muted">Reading the queue…</p>
        )
      ) : (
        <p className="threshold-change" data-testid="threshold-change">
          Auto-approve above{' '}
          <span className="threshold-old" data-testid="threshold-old">
            {thresholdText(old)}
          </span>{' '}
          <span aria-label="becomes">→</span>{' '}
          <strong className="threshold-new" data-testid="threshold-new">
            {thresholdText(suggested)}
          </strong>
        </p>
      )}
      <p className="muted small">
        Outputs with a confidence above the new threshold skip human review from now on (a QA sample still
        reaches people). The change is recorded in the audit log as queue.updated.
      </p>
      {error && (
        <ErrorNotice error={error} testId="apply-threshold-error" title="Could not change the queue" />
      )}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => void apply()}
          aria-disabled={busy || current.data === null}
          data-testid="confirm-apply-threshold"
        >
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => ref.current?.close()}
          autoFocus
          data-testid="cancel-apply-threshold"
        >
          Cancel
        </button>
      </div>
    </dialog>
  );
}

function ThresholdFooter({ queue, detail }: { queue: string; detail: ModelDetail }) {
  const { user } = useApiSession();
  const [open, setOpen] = useState(false);
  const [applied, setApplied] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const { suggested, coverage, upperBound, targetOverrideRate } = detail.threshold;
  if (suggested === null) {
    return (
      <p className="notice notice-info small" data-testid="threshold-none">
        No threshold can be suggested yet: no confidence level has enough human decisions (50 at least) whose
        override rate is, with 95 % confidence, below the target of {percent(targetOverrideRate)}. More
        decisions, or a model whose confident outputs are overridden less often, would make one possible.
      </p>
    );
  }
  return (
    <div className="threshold-advice">
      <p className="small" data-testid="threshold-suggested" data-value={suggested}>
        Suggested: auto-approve above <strong>{suggested.toFixed(2)}</strong>, covering {percent(coverage)} of
        the outputs people decided, with an override rate at most {percent(upperBound)} (95 % upper bound;
        target {percent(targetOverrideRate)}).
      </p>
      {user.roles.includes('admin') && (
        <button
          type="button"
          ref={buttonRef}
          className="button button-primary"
          onClick={() => {
            setApplied(null);
            setOpen(true);
          }}
          aria-haspopup="dialog"
          data-testid="apply-threshold"
        >
          Apply to queue
        </button>
      )}
      <StatusNotice text={applied} testId="threshold-applied" />
      {open && (
        <ApplyDialog
          queue={queue}
          suggested={suggested}
          onApplied={(previous) => {
            setApplied(
              `${queue} now auto-approves above ${thresholdText(suggested)} (was ${thresholdText(previous)}).`,
            );
            setOpen(false);
          }}
          onClose={() => {
            setOpen(false);
            buttonRef.current?.focus();
          }}
        />
      )}
    </div>
  );
}

/** One model version of one queue: its override rate over time, what people fix, its calibration and threshold. */
export function MonitoringVersionPage({
  queue,
  model,
  search,
}: {
  queue: string;
  model: ModelRef;
  search: string;
}) {
  const { navigate } = useApiSession();
  const bucket = bucketOf(search);
  const base = versionPath(queue, model);
  const detail = useLoad((token) => getModelDetail(token, queue, model, bucket), bucket);
  const compared = useLoad((token) => comparedVersions(token, queue, model, bucket), bucket);
  const label = `${model.name} ${model.version}`;
  const d = detail.data;
  // Fields present but never edited would draw as empty rows; they say nothing about what people fix.
  const edited = d?.fields.filter((f) => f.edits > 0) ?? [];
  return (
    <section className="page page-wide" aria-labelledby="monitoring-version-title">
      <PageHead
        id="monitoring-version-title"
        title={
          <>
            {model.name} <span className="mono">{model.version}</span>{' '}
            <span className="muted title-aside">in {queue}</span>
          </>
        }
      >
        <label className="inline-field">
          <span>Buckets</span>
          <select
            value={bucket}
            onChange={(e) => navigate(e.target.value === 'day' ? `${base}?bucket=day` : base)}
            data-testid="version-bucket"
          >
            {BUCKETS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
        <a href="/monitoring" className="button" onClick={inAppClick(navigate, '/monitoring')}>
          All models
        </a>
      </PageHead>
      {detail.error && !detail.loading && (
        <ErrorNotice error={detail.error} testId="version-error" title={`Could not load ${label}`} />
      )}
      {d === null ? (
        detail.loading && (
          <p className="muted" data-testid="version-loading">
            Loading {label}…
          </p>
        )
      ) : (
        <div className="monitoring-version" data-testid="version" aria-busy={detail.loading}>
          <Facts detail={d} />
          <div className="chart-grid">
            <ChartCard
              wide
              title="Override rate over time"
              testId="chart-override"
              summary={
                compared.data?.length
                  ? `The shaded band is the Wilson 95 % interval of ${label}; dashed lines are its other versions.`
                  : `The shaded band is the Wilson 95 % interval of each ${bucket}.`
              }
              footer={
                compared.error && !compared.loading ? (
                  <ErrorNotice
                    error={compared.error}
                    testId="compare-error"
                    title="Could not load the other versions"
                  />
                ) : undefined
              }
            >
              {d.series.length === 0 ? (
                <p className="empty-note" data-testid="chart-override-empty">
                  No human decision in this range.
                </p>
              ) : (
                <OverrideRateChart
                  label={label}
                  series={d.series}
                  others={compared.data ?? []}
                  bucket={bucket}
                />
              )}
            </ChartCard>
            <ChartCard
              title="Field edit rates"
              testId="chart-fields"
              summary="Which fields people fix most, over the decisions where the field was in play."
            >
              {edited.length === 0 ? (
                <p className="empty-note" data-testid="chart-fields-empty">
                  No field has been edited: people approved or rejected the outputs as they were.
                </p>
              ) : (
                <FieldEditsChart fields={edited} />
              )}
            </ChartCard>
            <ChartCard
              title="Reliability"
              testId="chart-reliability"
              summary={
                <>
                  Each dot is a bin of decisions: mean confidence against how many were accepted as is. ECE{' '}
                  <strong data-testid="calibration-ece">{score(d.calibration.ece)}</strong>, Brier{' '}
                  <strong data-testid="calibration-brier">{score(d.calibration.brier)}</strong>.
                </>
              }
            >
              {d.calibration.bins.length === 0 ? (
                <p className="empty-note" data-testid="chart-reliability-empty">
                  No decided output had a confidence.
                </p>
              ) : (
                <ReliabilityChart
                  bins={d.calibration.bins}
                  ece={d.calibration.ece}
                  brier={d.calibration.brier}
                />
              )}
            </ChartCard>
            <ChartCard
              wide
              title="Risk and coverage"
              testId="chart-threshold"
              summary="For each auto-approval threshold: the share of outputs it would approve, and how often people overrode those."
              footer={<ThresholdFooter queue={queue} detail={d} />}
            >
              {d.threshold.curve.length === 0 ? (
                <p className="empty-note" data-testid="chart-threshold-empty">
                  No decided output had a confidence.
                </p>
              ) : (
                <RiskCoverageChart advice={d.threshold} />
              )}
            </ChartCard>
          </div>
        </div>
      )}
    </section>
  );
}
