import type { Claim } from '../api/types';
import { useNow } from '../hooks/useNow';
import { formatCountdown } from '../lib/time';

export function LeaseCountdown({ claim }: { claim: Claim }) {
  const now = useNow(1000);
  const left = Date.parse(claim.expiresAt) - now;
  const level = left <= 0 ? 'over' : left <= 60_000 ? 'low' : 'ok';
  return (
    <span
      className={`lease lease-${level}`}
      role="timer"
      data-testid="lease-countdown"
      data-remaining-ms={Math.max(0, left)}
      title={`Claim expires at ${new Date(claim.expiresAt).toLocaleTimeString()}`}
    >
      <span className="lease-label">Lease</span> {formatCountdown(left)}
    </span>
  );
}
