import type { ReactNode } from 'react';

/** A page title the app focuses after navigation (tabIndex -1), with the page's controls to its right. */
export function PageHead({ id, title, children }: { id: string; title: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-head">
      <h1 id={id} className="page-title" tabIndex={-1}>
        {title}
      </h1>
      <span className="spacer" />
      {children}
    </div>
  );
}

/** The page's "New …" button in its head: opens the create form, and is off while that form is open. */
export function NewButton({
  label,
  testId,
  open,
  onOpen,
}: {
  label: string;
  testId: string;
  open: boolean;
  onOpen: () => void;
}) {
  return (
    <button
      type="button"
      className="button button-primary"
      onClick={onOpen}
      disabled={open}
      data-testid={testId}
    >
      {label}
    </button>
  );
}

/** What the last action did, announced to screen readers. */
export function StatusNotice({
  text,
  testId,
  tone = 'success',
}: {
  text: string | null;
  testId: string;
  tone?: 'success' | 'info';
}) {
  if (!text) return null;
  return (
    <p className={`notice notice-${tone}`} role="status" data-testid={testId}>
      {text}
    </p>
  );
}
