interface CheckboxGroupProps {
  legend: string;
  options: readonly { value: string; label: string; hint?: string }[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  testId: string;
  problem?: string;
  emptyText?: string;
}

/** A fieldset of checkboxes (arrow keys are not needed: Tab and Space work). */
export function CheckboxGroup(props: CheckboxGroupProps) {
  const { legend, options, selected, onChange, testId, problem, emptyText } = props;
  const toggle = (value: string, on: boolean) =>
    onChange(on ? [...selected, value] : selected.filter((v) => v !== value));
  return (
    <fieldset className="checkbox-group" data-testid={testId} aria-invalid={problem ? true : undefined}>
      <legend>{legend}</legend>
      {options.length === 0 && emptyText && <p className="muted small">{emptyText}</p>}
      <div className="checkboxes">
        {options.map((option) => (
          <label key={option.value} className="checkbox" title={option.hint}>
            <input
              type="checkbox"
              value={option.value}
              checked={selected.includes(option.value)}
              onChange={(e) => toggle(option.value, e.target.checked)}
              data-testid={`${testId}-${option.value}`}
            />
            {option.label}
          </label>
        ))}
      </div>
      {problem && <p className="problem">{problem}</p>}
    </fieldset>
  );
}
