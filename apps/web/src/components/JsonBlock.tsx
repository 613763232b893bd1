import { useMemo } from 'react';
import { prettyJson } from '../lib/json';

interface JsonBlockProps {
  title: string;
  value: unknown;
  testId: string;
  emptyText?: string;
}

export function JsonBlock({ title, value, testId, emptyText = 'Nothing.' }: JsonBlockProps) {
  const text = useMemo(() => prettyJson(value), [value]);
  return (
    <section className="card">
      <h2 className="card-title">{title}</h2>
      {value == null ? (
        <p className="muted" data-testid={testId}>
          {emptyText}
        </p>
      ) : (
        <pre className="json" data-testid={testId} tabIndex={0} aria-label={title}>
          {text}
        </pre>
      )}
    </section>
  );
}
