import type { Notice } from '../hooks/useReviewSession';

export function NoticeBar({ notice }: { notice: Notice | null }) {
  if (!notice) return null;
  const error = notice.tone === 'error';
  return (
    <div
      className={`notice notice-${notice.tone}`}
      role={error ? 'alert' : 'status'}
      data-testid={error ? 'action-error' : 'action-notice'}
      data-code={notice.code}
    >
      <strong>{notice.title}.</strong>
      {notice.message && <span> {notice.message}</span>}
      {notice.code && <code className="code-tag">{notice.code}</code>}
    </div>
  );
}
