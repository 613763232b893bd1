import type { FormEvent } from 'react';
import type { Queue } from '../api/types';
import { useItemScoped } from '../hooks/useItemScoped';
import { EMPTY_FILTER, filterSearch, isFiltered, VERDICTS, type DecisionFilter } from '../lib/audit-filter';
import { fromLocalInput, toLocalInput, VERDICT_LABELS } from '../lib/format';

interface DecisionFiltersProps {
  filter: DecisionFilter;
  queues: Queue[] | null;
  onApply: (filter: DecisionFilter) => void;
}

type Draft = Omit<DecisionFilter, 'from' | 'to'> & { from: string; to: string };

const toDraft = (filter: DecisionFilter): Draft => ({
  ...filter,
  from: filter.from ? toLocalInput(filter.from) : '',
  to: filter.to ? toLocalInput(filter.to) : '',
});

/** The decision-history filter form, applied with Enter or the Apply button; it follows the applied filter. */
export function DecisionFilters({ filter, queues, onApply }: DecisionFiltersProps) {
  // Reset to the applied filter when it changes (Back, Clear), without remounting: the focus stays put.
  const [draft, setDraft] = useItemScoped<Draft>(filterSearch(filter), toDraft(filter));
  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      queue: draft.queue,
      reviewer: draft.reviewer.trim(),
      verdict: draft.verdict,
      model: draft.model.trim(),
      from: fromLocalInput(draft.from),
      to: fromLocalInput(draft.to),
    });
  };

  // A queue named in the address bar that the list does not have (yet) stays selectable.
  const queueOptions = queues?.map((q) => q.slug) ?? [];
  if (filter.queue && !queueOptions.includes(filter.queue)) queueOptions.unshift(filter.queue);

  return (
    <form
      className="card filters"
      onSubmit={submit}
      aria-label="Filter decisions"
      data-testid="decision-filters"
    >
      <label className="field">
        <span>Queue</span>
        <select value={draft.queue} onChange={set('queue')} data-testid="filter-queue">
          <option value="">All queues</option>
          {queueOptions.map((slug) => (
            <option key={slug} value={slug}>
              {queues?.find((q) => q.slug === slug)?.name ?? slug}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Verdict</span>
        <select value={draft.verdict} onChange={set('verdict')} data-testid="filter-verdict">
          <option value="">Any verdict</option>
          {VERDICTS.map((verdict) => (
            <option key={verdict} value={verdict}>
              {VERDICT_LABELS[verdict]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Reviewer</span>
        <input
          type="text"
          value={draft.reviewer}
          onChange={set('reviewer')}
          placeholder="email or user id"
          autoComplete="off"
          data-testid="filter-reviewer"
        />
      </label>
      <label className="field">
        <span>Model</span>
        <input
          type="text"
          value={draft.model}
          onChange={set('model')}
          placeholder="name or name@version"
          autoComplete="off"
          data-testid="filter-model"
        />
      </label>
      <label className="field">
        <span>
          From <span className="muted">(local time)</span>
        </span>
        <input type="datetime-local" value={draft.from} onChange={set('from')} data-testid="filter-from" />
      </label>
      <label className="field">
        <span>
          To <span className="muted">(local time)</span>
        </span>
        <input type="datetime-local" value={draft.to} onChange={set('to')} data-testid="filter-to" />
      </label>
      <div className="filter-actions">
        <button type="submit" className="button button-primary" data-testid="filter-apply">
          Apply filters
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => onApply(EMPTY_FILTER)}
          disabled={!isFiltered(filter)}
          data-testid="filter-clear"
        >
          Clear
        </button>
      </div>
    </form>
  );
}
