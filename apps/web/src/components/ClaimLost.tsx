interface ClaimLostProps {
  expired: boolean;
  connected: boolean;
  claiming: boolean;
  onClaimNext: () => void;
}

/** The claim can no longer be used; the item and the edit stay on screen below. */
export function ClaimLost({ expired, connected, claiming, onClaimNext }: ClaimLostProps) {
  return (
    <div className="claim-lost" role="alert" data-testid={expired ? 'claim-expired' : 'claim-closed'}>
      <div>
        <strong>
          {expired ? 'Your claim on this item expired.' : 'This item is no longer yours to decide.'}
        </strong>{' '}
        Your edit is still below (copy it if you need it), but it cannot be submitted.
      </div>
      <button
        type="button"
        className="button button-primary"
        onClick={onClaimNext}
        disabled={!connected || claiming}
        data-testid="claim-next"
      >
        {claiming ? 'Claiming…' : 'Claim next'} <kbd>n</kbd>
      </button>
    </div>
  );
}
