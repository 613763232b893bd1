import { useMemo } from 'react';
import { renderMarkdown } from '../lib/markdown';

export function Instructions({ markdown }: { markdown: string }) {
  // renderMarkdown escapes the whole source before adding its own tags, so this HTML is safe.
  const html = useMemo(() => renderMarkdown(markdown), [markdown]);
  return (
    <details className="card instructions" open data-testid="instructions">
      <summary>Instructions</summary>
      {markdown.trim() ? (
        <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <p className="muted">This queue has no instructions.</p>
      )}
    </details>
  );
}
