import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { createQueue, updateQueue } from '../api/admin';
import type { ApiError } from '../api/http';
import type { Queue } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import {
  changedSettings,
  createBody,
  queueFormValues,
  readQueueForm,
  type QueueFormField,
  type QueueFormValues,
} from '../lib/queue-form';
import { FormCard, FormFooter } from './FormParts';

interface QueueFormProps {
  /** The queue to edit; null to create one. */
  queue: Queue | null;
  queues: Queue[];
  onSaved: (queue: Queue, created: boolean) => void;
  onCancel: () => void;
}

export function QueueForm({ queue, queues, onSaved, onCancel }: QueueFormProps) {
  const session = useApiSession();
  const creating = queue === null;
  const [values, setValues] = useState<QueueFormValues>(() => queueFormValues(queue));
  const [problems, setProblems] = useState<Partial<Record<QueueFormField, string>>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const firstRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    firstRef.current?.focus();
    firstRef.current?.scrollIntoView({ block: 'nearest' });
  }, []);

  const set = (field: QueueFormField) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    if (problems[field]) setProblems((p) => ({ ...p, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setError(null);
    setNote(null);
    const read = readQueueForm(values, creating);
    if (!read.ok) {
      setProblems(read.problems);
      return;
    }
    setProblems({});
    let saved: Queue;
    setSaving(true);
    try {
      if (queue === null) {
        saved = await createQueue(session.token, createBody(read.settings));
      } else {
        const changes = changedSettings(queue, read.settings);
        if (Object.keys(changes).length === 0) {
          setNote('Nothing changed.');
          setSaving(false);
          return;
        }
        saved = await updateQueue(session.token, queue.slug, changes);
      }
    } catch (caught) {
      setError(failure(session, caught));
      setSaving(false);
      return;
    }
    setSaving(false);
    onSaved(saved, creating);
  };

  const field = (
    name: QueueFormField,
    label: string,
    input: ReactNode,
    hint?: string,
    wide: 'half' | 'wide' | 'full' | '' = '',
  ) => (
    <div className={`form-field ${wide ? `span-${wide}` : ''}`}>
      <label htmlFor={`queue-${name}`}>{label}</label>
      {input}
      {problems[name] ? (
        <p className="problem" id={`queue-${name}-problem`} data-testid={`queue-${name}-problem`}>
          {problems[name]}
        </p>
      ) : (
        hint && <p className="hint-left">{hint}</p>
      )}
    </div>
  );
  const inputProps = (name: QueueFormField) => ({
    id: `queue-${name}`,
    value: values[name],
    onChange: set(name),
    'aria-invalid': problems[name] ? true : undefined,
    'aria-describedby': problems[name] ? `queue-${name}-problem` : undefined,
    'data-testid': `queue-form-${name}`,
  });

  const others = queues.filter((q) => q.slug !== queue?.slug);
  return (
    <FormCard
      testId="queue-form"
      title={creating ? 'New queue' : `Edit ${queue.name}`}
      onSubmit={(e) => void submit(e)}
      onCancel={onCancel}
    >
      <div className="form-grid">
        {field(
          'slug',
          'Slug',
          <input
            {...inputProps('slug')}
            ref={creating ? firstRef : undefined}
            readOnly={!creating}
            autoComplete="off"
            spellCheck={false}
            className="mono"
          />,
          creating ? 'Used in URLs and by services; cannot change later.' : 'The slug cannot change.',
        )}
        {field('name', 'Name', <input {...inputProps('name')} ref={creating ? undefined : firstRef} />)}
        {field(
          'leaseSeconds',
          'Lease (seconds)',
          <input {...inputProps('leaseSeconds')} type="number" min={10} max={86400} step={1} />,
          'How long a reviewer holds a claimed item.',
        )}
        {field(
          'slaSeconds',
          'SLA (seconds)',
          <input {...inputProps('slaSeconds')} type="number" min={1} step={1} placeholder="none" />,
          'Empty: no deadline.',
        )}
        {field(
          'onSlaBreach',
          'When the SLA passes',
          <select {...inputProps('onSlaBreach')}>
            <option value="keep">Keep waiting</option>
            <option value="escalate">Escalate</option>
            <option value="fallback">Apply the fallback output</option>
          </select>,
        )}
        {field(
          'escalateTo',
          'Escalate to',
          <select {...inputProps('escalateTo')}>
            <option value="">No queue (wait for an admin)</option>
            {others.map((q) => (
              <option key={q.slug} value={q.slug}>
                {q.name} ({q.slug})
              </option>
            ))}
          </select>,
        )}
        {field(
          'reviewsRequired',
          'Reviews per item',
          <select {...inputProps('reviewsRequired')}>
            <option value="1">1</option>
            <option value="2">2 (independent, adjudicated on disagreement)</option>
          </select>,
        )}
        {field(
          'autoApproveAbove',
          'Auto-approve at confidence ≥',
          <input
            {...inputProps('autoApproveAbove')}
            type="number"
            min={0}
            max={1}
            step={0.01}
            placeholder="never"
          />,
          'From 0 to 1. Empty: never.',
        )}
        {field(
          'qaSampleRate',
          'QA sample rate',
          <input {...inputProps('qaSampleRate')} type="number" min={0} max={1} step={0.01} />,
          'Share of auto-approved items sent for review.',
        )}
        {field(
          'goldRate',
          'Gold item rate',
          <input {...inputProps('goldRate')} type="number" min={0} max={0.2} step={0.01} />,
          'Share of hand-outs that are gold items (known answers, 0 to 0.2); added through the API.',
        )}
        <div className="form-field">
          <span className="label">Four-eyes</span>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.allowAdminReview === 'yes'}
              onChange={(e) => setValues((v) => ({ ...v, allowAdminReview: e.target.checked ? 'yes' : '' }))}
              data-testid="queue-form-allowAdminReview"
            />
            Admins may review this queue too
          </label>
          <p className="hint-left">Off: only reviewers who are not admins decide its items.</p>
        </div>
        {field(
          'callbackUrl',
          'Callback URL',
          <input {...inputProps('callbackUrl')} type="url" placeholder="https://…" autoComplete="off" />,
          'Webhook for decisions; an item’s own URL wins.',
          'wide',
        )}
        <fieldset className="form-group span-full" data-testid="queue-form-monitoring">
          <legend>Correctness monitoring</legend>
          <div className="form-grid">
            {field(
              'driftDelta',
              'Drift to detect (rise in override rate)',
              <input {...inputProps('driftDelta')} type="number" min={0.01} max={0.5} step={0.01} />,
              'The drift alarm looks for a rise of this much over a version’s usual rate (0.1 = 10 points).',
            )}
            {field(
              'onDrift',
              'When a version drifts',
              <select {...inputProps('onDrift')}>
                <option value="alert">Alert only</option>
                <option value="suspend_auto_approve">Alert and stop auto-approving it</option>
              </select>,
              'Suspended versions go to people until an admin acknowledges the alert.',
            )}
            {field(
              'targetOverrideRate',
              'Target override rate',
              <input
                {...inputProps('targetOverrideRate')}
                type="number"
                min={0.001}
                max={0.5}
                step={0.005}
              />,
              'The suggested auto-approval threshold keeps overrides under this (95% bound).',
            )}
            {field(
              'alertUrl',
              'Alert webhook URL',
              <input {...inputProps('alertUrl')} type="url" placeholder="https://…" autoComplete="off" />,
              'Receives signed model.drift_detected events; its secret is shown once, when first set.',
              'wide',
            )}
          </div>
        </fieldset>
        {field(
          'instructions',
          'Instructions for reviewers (Markdown)',
          <textarea {...inputProps('instructions')} rows={4} />,
          undefined,
          'full',
        )}
        {field(
          'outputSchema',
          'Output schema (JSON Schema)',
          <textarea {...inputProps('outputSchema')} rows={6} className="mono" spellCheck={false} />,
          'Empty: any JSON output.',
          'half',
        )}
        {field(
          'fallbackOutput',
          'Fallback output (JSON)',
          <textarea {...inputProps('fallbackOutput')} rows={6} className="mono" spellCheck={false} />,
          'The safe default applied when the SLA passes under the fallback policy.',
          'half',
        )}
      </div>
      <FormFooter
        testId="queue-form"
        error={error}
        errorTitle={creating ? 'Could not create the queue' : 'Could not save the queue'}
        note={note}
        saving={saving}
        submitLabel={creating ? 'Create queue' : 'Save changes'}
        savingLabel="Saving…"
        onCancel={onCancel}
      />
    </FormCard>
  );
}
