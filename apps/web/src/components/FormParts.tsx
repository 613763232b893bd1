import type { FormEvent, ReactNode } from 'react';
import type { ApiError } from '../api/http';
import { ErrorNotice } from './ErrorNotice';

interface FormCardProps {
  /** The form's test id; its title gets the id `<testId>-title`. */
  testId: string;
  title: ReactNode;
  onSubmit: (event: FormEvent) => void;
  onCancel: () => void;
  children: ReactNode;
}

/**
 * An inline create/edit form, named by its title. Escape anywhere in it cancels; noValidate because the
 * fields are checked on submit and their problems shown in place, not in the browser's bubbles.
 */
export function FormCard({ testId, title, onSubmit, onCancel, children }: FormCardProps) {
  return (
    <form
      className="card form-card"
      onSubmit={onSubmit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      noValidate
    >
      <h2 className="form-title" id={`${testId}-title`}>
        {title}
      </h2>
      {children}
    </form>
  );
}

/** A labelled field with its problem in place of the hint, so the layout does not jump when one appears. */
export function FormField({
  htmlFor,
  label,
  problem,
  hint,
  children,
}: {
  htmlFor: string;
  label: ReactNode;
  problem?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="form-field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {problem ? <p className="problem">{problem}</p> : hint && <p className="hint-left">{hint}</p>}
    </div>
  );
}

interface FormFooterProps {
  /** Prefix of the test ids: `<testId>-error`, `-note`, `-save` and `-cancel`. */
  testId: string;
  error: ApiError | null;
  errorTitle: string;
  note?: string | null;
  saving: boolean;
  submitLabel: string;
  savingLabel: string;
  onCancel: () => void;
}

/**
 * What failed, what the last submit said, and the submit and cancel buttons. Submit is aria-disabled while
 * saving, not disabled, so the focus stays on it and a second press is ignored by the form's submit handler.
 */
export function FormFooter({
  testId,
  error,
  errorTitle,
  note,
  saving,
  submitLabel,
  savingLabel,
  onCancel,
}: FormFooterProps) {
  return (
    <>
      {error && <ErrorNotice error={error} testId={`${testId}-error`} title={errorTitle} />}
      {note && (
        <p className="notice notice-info" role="status" data-testid={`${testId}-note`}>
          {note}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={saving}
          data-testid={`${testId}-save`}
        >
          {saving ? savingLabel : submitLabel}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
      </div>
    </>
  );
}
