import { useEffect, useRef } from 'react';
import type { CreatedApiKey } from '../api/types';
import { SecretField } from './SecretField';

interface ApiKeyRevealProps {
  created: CreatedApiKey;
  onDone: () => void;
}

/** The key and webhook secret of a new API key: shown here once, never again. */
export function ApiKeyReveal({ created, onDone }: ApiKeyRevealProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section className="card secret-card" aria-labelledby="secret-title" data-testid="apikey-created">
      <h2 className="form-title" id="secret-title" ref={headingRef} tabIndex={-1}>
        API key for {created.service} created
      </h2>
      <p className="notice notice-warn" role="alert" data-testid="apikey-once-notice">
        <strong>Shown only now.</strong> Copy the key and the webhook secret and store them safely: Arbiter
        keeps only a hash of the key and will not show either again. If you lose them, create a new key and
        revoke this one.
      </p>
      <SecretField label="API key (X-API-Key header)" value={created.key} testId="apikey-key" />
      <SecretField
        label="Webhook secret (verifies webhook signatures)"
        value={created.webhookSecret}
        testId="apikey-secret"
      />
      <p className="muted small">
        Queues: {created.queues.join(', ')} · key prefix <code>{created.prefix}</code>
      </p>
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onDone} data-testid="apikey-done">
          I have stored them
        </button>
      </div>
    </section>
  );
}
