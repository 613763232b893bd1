import { useMemo, useState } from 'react';
import { getModelDetail, listModels, versionKey, versionPath } from '../api/monitoring';
import type { ModelSummary } from '../api/types';
import { useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { inAppClick } from '../lib/links';
import {
  DEFAULT_MODEL_SORT,
  intervalText,
  percent,
  sortModels,
  type ModelSortKey,
  type Sort,
} from '../lib/monitoring';
import { ListState, RefreshButton } from './ListState';
import { Sparkline } from './MonitoringCharts';
import { Missing, SortHeader } from './MonitoringParts';
import { PageHead } from './PageHead';

/** Decisions the drift detector takes as the version's baseline before it watches for a rise. */
const BASELINE_DECISIONS = 300;

function RowSparkline({ model }: { model: ModelSummary }) {
  const series = useLoad(
    (token) => getModelDetail(token, model.queue, model.model, 'hour').then((d) => d.series),
    versionKey(model.queue, model.model),
  );
  if (series.data === null) {
    return series.error ? (
      <Missing why={`The hourly series did not load: ${series.error.message}`} />
    ) : (
      <span className="sparkline sparkline-loading" aria-hidden="true" />
    );
  }
  return (
    <Sparkline
      series={series.data}
      label={`Hourly override rate of ${model.model.name} ${model.model.version}`}
    />
  );
}

export function DriftCell({ drift }: { drift: ModelSummary['drift'] }) {
  if (drift.openAlertId) {
    return (
      <span className="badge badge-dead" data-testid="drift-state" data-state="alert">
        Alert open
      </span>
    );
  }
  if (drift.baselineRate === null) {
    const seen = drift.observed ?? 0;
    return (
      <span
        className="badge"
        title={`The detector learns the version's usual override rate from its first ${BASELINE_DECISIONS} human decisions`}
        data-testid="drift-state"
        data-state="baseline"
      >
        Baseline {Math.min(seen, BASELINE_DECISIONS)}/{BASELINE_DECISIONS}
      </span>
    );
  }
  return (
    <span
      className="badge badge-ok"
      title={`CUSUM statistic ${drift.statistic.toFixed(2)}${drift.threshold != null ? ` of ${drift.threshold.toFixed(2)}` : ''}; baseline ${percent(drift.baselineRate)} over ${drift.baselineDecisions} decisions`}
      data-testid="drift-state"
      data-state="ok"
    >
      OK
    </span>
  );
}

/** Every model version of every queue: how often people override it, its trend and its drift state. */
export function MonitoringModelsPage() {
  const { navigate } = useApiSession();
  const models = useLoad(listModels, 'models');
  const [sort, setSort] = useState<Sort<ModelSortKey>>(DEFAULT_MODEL_SORT);
  const rows = useMemo(() => (models.data ? sortModels(models.data, sort) : null), [models.data, sort]);
  const header = (column: ModelSortKey, label: string, numeric = false, title?: string) => (
    <SortHeader
      column={column}
      label={label}
      sort={sort}
      onSort={setSort}
      first={numeric || column === 'drift' ? 'descending' : 'ascending'}
      numeric={numeric}
      title={title}
    />
  );
  return (
    <section className="page page-wide" aria-labelledby="monitoring-models-title">
      <PageHead id="monitoring-models-title" title="Models">
        <RefreshButton load={models} testId="models-refresh" />
      </PageHead>
      <p className="muted page-intro">
        An override is a human decision that corrects or rejects the model&apos;s output. Rates are over
        approve, correct and reject decisions, with a Wilson 95 % interval. Versions with an open drift alert
        come first.
      </p>
      <ListState
        load={{ ...models, data: rows }}
        testId="models"
        errorTitle="Could not load the models"
        loadingText="Loading models…"
        empty="No model has been reviewed yet. Versions appear here once people decide their items."
        results={{ testId: 'models-results' }}
      >
        {(list) => (
          <div className="table-scroll">
            <table className="data-table models-table" data-testid="models-table">
              <caption className="visually-hidden">
                Model versions; the column headers sort the table.
              </caption>
              <thead>
                <tr>
                  {header('queue', 'Queue')}
                  {header('model', 'Model')}
                  {header('version', 'Version')}
                  {header('decisions', 'Decisions', true, 'Human decisions: approve, correct and reject')}
                  {header('overrideRate', 'Override rate', true)}
                  <th scope="col">Per hour</th>
                  {header('drift', 'Drift', false, 'Open alerts first, then by the detector statistic')}
                </tr>
              </thead>
              <tbody>
                {list.map((m) => {
                  const path = versionPath(m.queue, m.model);
                  return (
                    <tr
                      key={versionKey(m.queue, m.model)}
                      data-testid="model-row"
                      data-queue={m.queue}
                      data-model={m.model.name}
                      data-version={m.model.version}
                      data-decisions={m.decisions}
                      data-alert={m.drift.openAlertId ? 'open' : 'none'}
                      className={m.drift.openAlertId ? 'row-alert' : undefined}
                    >
                      <td className="mono small">{m.queue}</td>
                      <td>{m.model.name}</td>
                      <th scope="row">
                        <a
                          href={path}
                          onClick={inAppClick(navigate, path)}
                          className="mono"
                          data-testid="model-link"
                          aria-label={`${m.model.name} ${m.model.version} in ${m.queue}`}
                        >
                          {m.model.version}
                        </a>
                      </th>
                      <td className="num">{m.decisions.toLocaleString()}</td>
                      <td className="num" data-testid="override-rate">
                        {m.overrideRate === null ? (
                          <Missing why="No human decision yet" />
                        ) : (
                          <>
                            <strong>{percent(m.overrideRate)}</strong>
                            <span className="muted block small">{intervalText(m.overrideInterval)}</span>
                          </>
                        )}
                      </td>
                      <td>
                        <RowSparkline model={m} />
                      </td>
                      <td>
                        <DriftCell drift={m.drift} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
    </section>
  );
}
