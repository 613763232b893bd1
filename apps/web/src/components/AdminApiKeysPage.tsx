import { useEffect, useRef, useState, type FormEvent } from 'react';
import { createApiKey, listApiKeys, listQueueDetails, revokeApiKey } from '../api/admin';
import type { ApiError } from '../api/http';
import type { ApiKey, CreatedApiKey, Queue } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatDateTime } from '../lib/format';
import { ApiKeyReveal } from './ApiKeyReveal';
import { CheckboxGroup } from './CheckboxGroup';
import { ErrorNotice } from './ErrorNotice';
import { FormCard, FormField, FormFooter } from './FormParts';
import { ListState } from './ListState';
import { NewButton, PageHead, StatusNotice } from './PageHead';

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function NewKeyForm({
  queues,
  onCreated,
  onCancel,
}: {
  queues: Queue[];
  onCreated: (key: CreatedApiKey) => void;
  onCancel: () => void;
}) {
  const session = useApiSession();
  const [service, setService] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const firstRef = useRef<HTMLInputElement>(null);
  useEffect(() => firstRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setError(null);
    const found: Record<string, string> = {};
    if (!SERVICE.test(service.trim()))
      found['service'] = '1–100 letters, digits, dots, dashes or underscores.';
    if (chosen.length === 0) found['queues'] = 'Choose the queues this service may submit to.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    setSaving(true);
    try {
      onCreated(await createApiKey(session.token, { service: service.trim(), queues: chosen }));
    } catch (caught) {
      setError(failure(session, caught));
      setSaving(false);
    }
  };

  return (
    <FormCard testId="apikey-form" title={'New API key'} onSubmit={(e) => void submit(e)} onCancel={onCancel}>
      <div className="form-grid">
        <FormField
          htmlFor="apikey-service"
          label="Service name"
          problem={problems['service']}
          hint="The calling service, e.g. support-bot. Shown in the audit log."
        >
          <input
            id="apikey-service"
            ref={firstRef}
            value={service}
            onChange={(e) => setService(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problems['service'] ? true : undefined}
            data-testid="apikey-form-service"
          />
        </FormField>
        <div className="span-full">
          <CheckboxGroup
            legend="Queues it may submit to"
            options={queues.map((q) => ({ value: q.slug, label: q.name, hint: q.slug }))}
            selected={chosen}
            onChange={setChosen}
            testId="apikey-form-queue"
            problem={problems['queues']}
            emptyText="Create a queue first."
          />
        </div>
      </div>
      <FormFooter
        testId="apikey-form"
        error={error}
        errorTitle="Could not create the key"
        saving={saving}
        submitLabel="Create key"
        savingLabel="Creating…"
        onCancel={onCancel}
      />
    </FormCard>
  );
}

export function AdminApiKeysPage() {
  const session = useApiSession();
  const keys = useLoad(listApiKeys, 'api-keys');
  const queues = useLoad(listQueueDetails, 'queues');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<{ title: string; error: ApiError } | null>(null);

  const revoke = async (key: ApiKey) => {
    setBusy(key.id);
    setError(null);
    setNotice(null);
    try {
      await revokeApiKey(session.token, key.id);
      const now = new Date().toISOString();
      keys.setData(
        (all) => all?.map((k) => (k.id === key.id ? { ...k, revokedAt: k.revokedAt ?? now } : k)) ?? null,
      );
      setNotice(
        `Revoked the key ${key.prefix}… of ${key.service}. Requests with it are refused from now on; the ` +
          'items it already submitted are still reviewed, and their decisions still delivered signed with ' +
          'its webhook secret.',
      );
      keys.reload();
    } catch (caught) {
      const shown = failure(session, caught);
      if (shown) setError({ title: `Could not revoke the key of ${key.service}`, error: shown });
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };

  return (
    <section className="page page-wide" aria-labelledby="admin-keys-title">
      <PageHead id="admin-keys-title" title="API keys">
        <NewButton
          label="New API key"
          testId="new-apikey-button"
          open={creating}
          onOpen={() => {
            setNotice(null);
            setCreated(null);
            setCreating(true);
          }}
        />
      </PageHead>
      <p className="muted page-intro">
        Services submit items with a key (header <code>X-API-Key</code>), scoped to queues. Each key comes
        with the secret that signs the webhooks of the items it submits.
      </p>
      {created && (
        <ApiKeyReveal
          created={created}
          onDone={() => {
            setCreated(null);
            setNotice(`The key for ${created.service} is active. Its secret is no longer shown.`);
          }}
        />
      )}
      {creating && (
        <NewKeyForm
          queues={queues.data ?? []}
          onCancel={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
            const { key: _key, webhookSecret: _secret, ...view } = key;
            keys.setData((all) => [view, ...(all ?? [])]);
          }}
        />
      )}
      <StatusNotice text={notice} testId="apikey-notice" />
      {error && <ErrorNotice error={error.error} testId="apikey-action-error" title={error.title} />}
      <ListState
        load={keys}
        testId="admin-keys"
        errorTitle="Could not list the API keys"
        loadingText="Loading API keys…"
        empty="No API keys yet. Create one for each service that sends items for review."
      >
        {(list) => (
          <table className="data-table" data-testid="admin-apikey-list">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Key</th>
                <th scope="col">Queues</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((key) => (
                <tr
                  key={key.id}
                  data-testid="admin-apikey-row"
                  data-id={key.id}
                  data-service={key.service}
                  data-revoked={String(key.revokedAt !== null)}
                >
                  <th scope="row">{key.service}</th>
                  <td className="mono small">{key.prefix}…</td>
                  <td className="small mono">{key.queues.join(', ')}</td>
                  <td className="small nowrap">{formatDateTime(key.createdAt)}</td>
                  <td>
                    {key.revokedAt ? (
                      <span className="badge badge-warn" title={key.revokedAt}>
                        revoked {formatDateTime(key.revokedAt)}
                      </span>
                    ) : (
                      <span className="badge badge-ok">active</span>
                    )}
                  </td>
                  <td className="row-actions">
                    {!key.revokedAt &&
                      (confirming === key.id ? (
                        <span className="confirm" role="group" aria-label={`Confirm revoking ${key.service}`}>
                          <span className="small">Revoke for good?</span>
                          <button
                            type="button"
                            className="button button-small button-danger"
                            onClick={() => busy === null && void revoke(key)}
                            aria-disabled={busy === key.id}
                            autoFocus
                            data-testid="confirm-revoke"
                          >
                            {busy === key.id ? 'Revoking…' : 'Revoke'}
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setConfirming(null)}
                            data-testid="cancel-revoke"
                          >
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button
                          type="button"
                          className="button button-small button-reject"
                          onClick={() => setConfirming(key.id)}
                          aria-label={`Revoke the key of ${key.service}`}
                          data-testid="revoke-apikey"
                        >
                          Revoke
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </section>
  );
}
