import { useState } from 'react';
import { exportDecisions, type ExportFormat } from '../api/audit';
import type { ApiError } from '../api/http';
import { failure, useApiSession } from '../hooks/useApiSession';
import type { DecisionFilter } from '../lib/audit-filter';
import { fileStamp, saveBlob } from '../lib/download';

const LABELS: Record<ExportFormat, string> = { csv: 'CSV', jsonl: 'JSONL' };

interface ExportButtonsProps {
  filter: DecisionFilter;
  /** A failed export (null when a new one starts), shown by the page. */
  onError: (error: ApiError | null) => void;
}

/** Downloads every decision matching the filter (not only the rows on screen) as CSV or JSONL. */
export function ExportButtons({ filter, onError }: ExportButtonsProps) {
  const session = useApiSession();
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const run = async (format: ExportFormat) => {
    setBusy(format);
    onError(null);
    setSaved(null);
    try {
      const blob = await exportDecisions(session.token, filter, format);
      const name = `arbiter-decisions-${fileStamp()}.${format}`;
      saveBlob(blob, name);
      setSaved(name);
    } catch (caught) {
      onError(failure(session, caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="export">
      <span className="export-status muted" role="status" data-testid="export-status">
        {saved && `Saved ${saved}`}
      </span>
      <div className="export-buttons" role="group" aria-label="Export the filtered decisions">
        {(['csv', 'jsonl'] as const).map((format) => (
          <button
            key={format}
            type="button"
            className="button"
            onClick={() => busy === null && void run(format)}
            aria-disabled={busy !== null}
            data-testid={`export-${format}`}
          >
            {busy === format ? `Exporting ${LABELS[format]}…` : `Export ${LABELS[format]}`}
          </button>
        ))}
      </div>
    </div>
  );
}
