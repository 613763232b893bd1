export function ConnectionBanner({ error }: { error: string | null }) {
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner">
      <strong>Connection lost.</strong> Reconnecting… Your work on screen is kept.
      {error && <span className="muted"> ({error})</span>}
    </div>
  );
}
