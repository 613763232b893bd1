import type { ReactNode } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Label,
  LabelList,
  Legend,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import type {
  Bucket,
  CurvePoint,
  FieldEdits,
  Interval,
  ReliabilityBin,
  SeriesPoint,
  ThresholdAdvice,
} from '../api/types';
import { intervalText, percent, score } from '../lib/monitoring';

const ACCENT = '#2c5cc5';
const BAND = '#c9d6f2';
/** The band's name in the legend and tooltip: its own fill would be too pale to read. */
const BAND_TEXT = '#6f87c4';
const MUTED = '#5b6776';
const GRID = '#e4e7ec';
const WARN = '#b3261e';
/** The other versions, told apart by colour and dash. */
const OVERLAY = ['#8f5400', '#1d7347', '#7a3fb0', '#a3366b', '#2f7f8a'];

const AXIS_TICK = { fontSize: 12, fill: MUTED };
const MARGIN = { top: 12, right: 24, bottom: 28, left: 12 };

/** An axis tick: whole percents as such, others (4.5 % on a tight axis) with their decimal, never rounded away. */
const pct = (value: number) => {
  const p = Math.round(value * 1000) / 10;
  return Number.isInteger(p) ? `${p} %` : `${p.toFixed(1)} %`;
};
const pctTooltip = (value: unknown) => (typeof value === 'number' ? percent(value) : String(value));

const HOUR_TICK = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const DAY_TICK = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const timeTick = (bucket: Bucket) => (t: number) => (bucket === 'day' ? DAY_TICK : HOUR_TICK).format(t);

/** A chart with its title, a one-line reading of it, and the chart itself in a focusable region. */
export function ChartCard({
  title,
  summary,
  testId,
  wide,
  children,
  footer,
}: {
  title: string;
  summary: ReactNode;
  testId: string;
  wide?: boolean;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const id = `${testId}-title`;
  return (
    <section className={wide ? 'card chart-card chart-card-wide' : 'card chart-card'} aria-labelledby={id}>
      <h2 id={id} className="chart-title">
        {title}
      </h2>
      <p className="chart-summary muted small">{summary}</p>
      <div className="chart" data-testid={testId}>
        {children}
      </div>
      {footer}
    </section>
  );
}

export interface ComparedSeries {
  label: string;
  series: SeriesPoint[];
}

interface OverrideRow {
  t: number;
  rate?: number;
  band?: Interval;
  decisions?: number;
  [other: `o${number}`]: number | undefined;
}

/** The version's buckets with each compared version's rate at the same start, on one time axis. */
export function mergeSeries(series: SeriesPoint[], others: ComparedSeries[]): OverrideRow[] {
  const rows = new Map<number, OverrideRow>();
  const row = (start: string) => {
    const t = Date.parse(start);
    let found = rows.get(t);
    if (!found) rows.set(t, (found = { t }));
    return found;
  };
  for (const p of series) {
    Object.assign(row(p.start), { rate: p.overrideRate, band: p.overrideInterval, decisions: p.decisions });
  }
  others.forEach((other, index) => {
    for (const p of other.series) row(p.start)[`o${index}`] = p.overrideRate;
  });
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

/** The override rate per bucket, its Wilson band, and the other versions of the model for comparison. */
export function OverrideRateChart({
  label,
  series,
  others,
  bucket,
}: {
  label: string;
  series: SeriesPoint[];
  others: ComparedSeries[];
  bucket: Bucket;
}) {
  const data = mergeSeries(series, others);
  const last = series.at(-1);
  const summary =
    `Override rate of ${label} by ${bucket}: ${series.length} ${bucket}s` +
    (last
      ? `, the last ${percent(last.overrideRate)} (95 % interval ${intervalText(last.overrideInterval)}) over ${last.decisions} decisions`
      : '') +
    (others.length ? `; compared with ${others.map((o) => o.label).join(', ')}` : '') +
    '.';
  const dots = data.length <= 48;
  return (
    <ComposedChart
      data={data}
      width="100%"
      height={280}
      responsive
      margin={MARGIN}
      aria-label={summary}
      data-testid="override-chart-svg"
    >
      <CartesianGrid stroke={GRID} vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={['dataMin', 'dataMax']}
        tickFormatter={timeTick(bucket)}
        tick={AXIS_TICK}
        minTickGap={24}
        padding={{ left: 12, right: 12 }}
      >
        <Label value={bucket === 'day' ? 'Day (start)' : 'Hour (start)'} position="bottom" offset={8} />
      </XAxis>
      <YAxis domain={[0, 'auto']} tickFormatter={pct} tick={AXIS_TICK} width={56}>
        <Label value="Override rate" angle={-90} position="insideLeft" style={{ textAnchor: 'middle' }} />
      </YAxis>
      <Tooltip
        labelFormatter={(t) => (typeof t === 'number' ? timeTick(bucket)(t) : String(t))}
        formatter={(value, name) =>
          Array.isArray(value) ? [intervalText(value as Interval), name] : [pctTooltip(value), name]
        }
      />
      <Legend verticalAlign="top" height={28} />
      <Area
        className="override-band"
        dataKey="band"
        name="95 % interval"
        stroke={BAND_TEXT}
        strokeWidth={0}
        fill={BAND}
        fillOpacity={0.7}
        isAnimationActive={false}
        connectNulls
      />
      <Line
        className="override-line"
        dataKey="rate"
        name={label}
        stroke={ACCENT}
        strokeWidth={2}
        dot={dots ? { r: 3 } : false}
        isAnimationActive={false}
        connectNulls
      />
      {others.map((other, index) => (
        <Line
          key={other.label}
          className="override-compare"
          dataKey={`o${index}`}
          name={other.label}
          stroke={OVERLAY[index % OVERLAY.length]}
          strokeWidth={1.5}
          strokeDasharray="5 3"
          dot={dots ? { r: 2 } : false}
          isAnimationActive={false}
          connectNulls
        />
      ))}
    </ComposedChart>
  );
}

/** The edit-rate axis ends a little above the largest rate, so rare edits still show as bars. */
function rateAxisMax(fields: FieldEdits[]): number {
  const top = Math.max(...fields.map((f) => f.editRate), 0);
  const step = top <= 0.2 ? 0.05 : 0.1;
  return Math.min(1, Math.max(step, Math.ceil((top + 1e-9) / step) * step));
}

/** Evenly spaced round ticks up to `max`, at most six of them. */
function rateTicks(max: number): number[] {
  const step = [0.01, 0.02, 0.05, 0.1, 0.2].find((s) => max / s <= 5) ?? 0.2;
  const ticks: number[] = [];
  for (let k = 0; k * step <= max + 1e-9; k++) ticks.push(Math.round(k * step * 100) / 100);
  return ticks;
}

/** The fields people edit most, as the share of decisions where the field was in play. */
export function FieldEditsChart({ fields }: { fields: FieldEdits[] }) {
  const data = fields.slice(0, 12);
  const top = data[0];
  const summary = top
    ? `Field edit rates, the ${data.length} most edited fields: ${data
        .slice(0, 3)
        .map((f) => `${f.path} ${percent(f.editRate)} (${f.edits} edits)`)
        .join(', ')}.`
    : 'No field was edited.';
  const longest = Math.max(...data.map((f) => f.path.length), 4);
  const axisMax = rateAxisMax(data);
  return (
    <BarChart
      data={data}
      layout="vertical"
      width="100%"
      height={Math.max(140, 40 + data.length * 30)}
      responsive
      margin={{ ...MARGIN, right: 48 }}
      aria-label={summary}
    >
      <CartesianGrid stroke={GRID} horizontal={false} />
      <XAxis
        type="number"
        domain={[0, axisMax]}
        ticks={rateTicks(axisMax)}
        tickFormatter={pct}
        tick={AXIS_TICK}
      >
        <Label value="Edit rate (decisions that changed the field)" position="bottom" offset={8} />
      </XAxis>
      <YAxis
        type="category"
        dataKey="path"
        tick={{ ...AXIS_TICK, fontFamily: 'var(--mono)' }}
        width={Math.min(220, 16 + longest * 7.5)}
      />
      <Tooltip
        formatter={(value, _name, item) => {
          const f = item.payload as FieldEdits;
          return [`${pctTooltip(value)} (${f.edits} edits, present ${f.present}×)`, 'Edit rate'];
        }}
      />
      <Bar
        className="field-bars"
        dataKey="editRate"
        name="Edit rate"
        fill={ACCENT}
        barSize={18}
        isAnimationActive={false}
      >
        <LabelList
          dataKey="editRate"
          position="right"
          formatter={(value) => (typeof value === 'number' ? percent(value) : '')}
          style={{ fill: MUTED, fontSize: 12 }}
        />
      </Bar>
    </BarChart>
  );
}

/** Mean confidence against acceptance per bin; a calibrated model's dots sit on the diagonal. */
export function ReliabilityChart({
  bins,
  ece,
  brier,
}: {
  bins: ReliabilityBin[];
  ece: number | null;
  brier: number | null;
}) {
  const summary =
    `Reliability diagram over ${bins.length} bins of equal count: ECE ${score(ece)}, Brier ${score(brier)}. ` +
    bins
      .map((b) => `confidence ${percent(b.meanConfidence, 0)} accepted ${percent(b.acceptRate, 0)}`)
      .join('; ');
  return (
    <ComposedChart width="100%" height={300} responsive margin={MARGIN} aria-label={summary}>
      <CartesianGrid stroke={GRID} />
      <XAxis
        type="number"
        dataKey="meanConfidence"
        domain={[0, 1]}
        ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
        tickFormatter={pct}
        tick={AXIS_TICK}
      >
        <Label value="Mean confidence" position="bottom" offset={8} />
      </XAxis>
      <YAxis
        type="number"
        dataKey="acceptRate"
        domain={[0, 1]}
        ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
        tickFormatter={pct}
        tick={AXIS_TICK}
        width={56}
      >
        <Label value="Accepted as is" angle={-90} position="insideLeft" style={{ textAnchor: 'middle' }} />
      </YAxis>
      <ZAxis type="number" dataKey="count" range={[40, 260]} name="Decisions" />
      <ReferenceLine
        className="reliability-diagonal"
        segment={[
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ]}
        stroke={MUTED}
        strokeDasharray="4 4"
        ifOverflow="extendDomain"
      />
      <Tooltip
        cursor={{ strokeDasharray: '3 3' }}
        formatter={(value, name) => [name === 'Decisions' ? String(value) : pctTooltip(value), name]}
      />
      <Scatter
        className="reliability-points"
        data={bins}
        name="Bins"
        fill={ACCENT}
        line={{ stroke: ACCENT, strokeWidth: 1 }}
        isAnimationActive={false}
      />
    </ComposedChart>
  );
}

/** Where the curve reaches the suggested threshold: the point with that threshold, if the curve has it. */
export function suggestedPoint(advice: ThresholdAdvice): CurvePoint | undefined {
  if (advice.suggested === null) return undefined;
  return advice.curve.find((p) => Math.abs(p.threshold - advice.suggested!) < 1e-9);
}

/** Coverage against the override rate of what would be auto-approved, with the target and the suggestion. */
export function RiskCoverageChart({ advice }: { advice: ThresholdAdvice }) {
  const data = [...advice.curve].sort((a, b) => a.coverage - b.coverage);
  const mark = suggestedPoint(advice);
  const summary =
    `Risk-coverage curve over ${data.length} thresholds; target override rate ${percent(advice.targetOverrideRate)}. ` +
    (mark
      ? `Suggested: auto-approve above ${mark.threshold.toFixed(2)}, covering ${percent(mark.coverage)} with an upper bound of ${percent(mark.upperBound)}.`
      : 'No threshold is suggested.');
  return (
    <ComposedChart data={data} width="100%" height={300} responsive margin={MARGIN} aria-label={summary}>
      <CartesianGrid stroke={GRID} />
      <XAxis
        type="number"
        dataKey="coverage"
        domain={[0, 1]}
        ticks={[0, 0.2, 0.4, 0.6, 0.8, 1]}
        tickFormatter={pct}
        tick={AXIS_TICK}
      >
        <Label value="Coverage (share auto-approved)" position="bottom" offset={8} />
      </XAxis>
      <YAxis domain={[0, 'auto']} tickFormatter={pct} tick={AXIS_TICK} width={56}>
        <Label value="Override rate" angle={-90} position="insideLeft" style={{ textAnchor: 'middle' }} />
      </YAxis>
      <Tooltip
        labelFormatter={(_label, payload) => {
          const p = payload?.[0]?.payload as CurvePoint | undefined;
          return p ? `Above ${p.threshold.toFixed(2)}: ${percent(p.coverage)} covered` : '';
        }}
        formatter={(value, name) => [pctTooltip(value), name]}
      />
      <Legend verticalAlign="top" height={28} />
      <ReferenceLine
        className="target-line"
        y={advice.targetOverrideRate}
        stroke={WARN}
        strokeDasharray="4 4"
        ifOverflow="extendDomain"
        label={{
          value: `target ${percent(advice.targetOverrideRate)}`,
          position: 'insideTopLeft',
          fill: WARN,
          fontSize: 12,
        }}
      />
      <Line
        className="curve-rate"
        dataKey="overrideRate"
        name="Override rate"
        stroke={ACCENT}
        strokeWidth={2}
        dot={false}
        isAnimationActive={false}
      />
      <Line
        className="curve-bound"
        dataKey="upperBound"
        name="95 % upper bound"
        stroke={OVERLAY[0]}
        strokeWidth={1.5}
        strokeDasharray="5 3"
        dot={false}
        isAnimationActive={false}
      />
      {mark && (
        <ReferenceLine
          className="suggested-threshold-line"
          x={mark.coverage}
          stroke={MUTED}
          strokeDasharray="2 3"
          label={{
            value: `suggested > ${mark.threshold.toFixed(2)}`,
            position: 'insideTopRight',
            fill: MUTED,
            fontSize: 12,
          }}
        />
      )}
      {mark && (
        <ReferenceDot
          className="suggested-threshold"
          x={mark.coverage}
          y={mark.upperBound}
          r={6}
          fill="#fff"
          stroke={ACCENT}
          strokeWidth={2}
        />
      )}
    </ComposedChart>
  );
}

/** The override rate per hour in a table cell; the text beside it carries the figure. */
export function Sparkline({ series, label }: { series: SeriesPoint[]; label: string }) {
  if (series.length === 0) {
    return (
      <span className="muted small" title="No human decisions per hour yet">
        —
      </span>
    );
  }
  const last = series.at(-1)!;
  const summary = `${label}: ${series.length} hours, last ${percent(last.overrideRate)}`;
  return (
    <span className="sparkline" role="img" aria-label={summary} title={summary} data-testid="sparkline">
      <LineChart
        data={series}
        width={120}
        height={28}
        margin={{ top: 3, right: 3, bottom: 3, left: 3 }}
        accessibilityLayer={false}
      >
        <YAxis hide domain={[0, 'auto']} />
        <Line
          dataKey="overrideRate"
          stroke={ACCENT}
          strokeWidth={1.5}
          dot={series.length === 1 ? { r: 2 } : false}
          isAnimationActive={false}
        />
      </LineChart>
    </span>
  );
}
