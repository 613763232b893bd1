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
