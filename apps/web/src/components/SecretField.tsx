import { useRef } from 'react';
import { CopyButton } from './CopyButton';

/** A secret shown once, read-only, selected on focus, with a copy button. */
export function SecretField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const ref = useRef<HTMLInputElement>(null);
  const id = `${testId}-field`;
  return (
    <div className="secret-field">
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          ref={ref}
          className="mono"
          value={value}
          readOnly
          spellCheck={false}
          onFocus={(e) => e.target.select()}
          data-testid={testId}
        />
        <CopyButton
          text={value}
          fieldRef={ref}
          label={`Copy the ${label.toLowerCase()}`}
          testId={`copy-${testId}`}
        />
      </div>
    </div>
  );
}
