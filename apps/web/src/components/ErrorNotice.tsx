import type { ApiError } from '../api/http';

interface ErrorNoticeProps {
  error: ApiError;
  testId: string;
  /** What failed, e.g. "Could not pause the queue". */
  title?: string;
}

/** A failed call: the API's message and machine-readable code, and one line per validation problem. */
export function ErrorNotice({ error, testId, title }: ErrorNoticeProps) {
  return (
    <div className="notice notice-error" role="alert" data-testid={testId} data-code={error.code}>
      {title && <strong>{title}. </strong>}
      <span data-testid="error-message">{error.message}</span>
      <code className="code-tag" data-testid="error-code">
        {error.code}
      </code>
      {error.details.length > 0 && (
        <ul className="problems">
          {error.details.map((detail, index) => (
            <li key={index} className="problem">
              {/* The API's messages often start with the path already. */}
              {!detail.message.startsWith(detail.path) && <code>{detail.path || '(body)'} </code>}
              {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
