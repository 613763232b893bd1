import { useEffect, useRef, useState, type FormEvent } from 'react';
import { createUser, updateUser } from '../api/admin';
import type { ApiError } from '../api/http';
import type { Queue, Role, UserAccount, UserChanges } from '../api/types';
import { failure, useApiSession } from '../hooks/useApiSession';
import { CheckboxGroup } from './CheckboxGroup';
import { FormCard, FormField, FormFooter } from './FormParts';

const ROLES: readonly { value: Role; label: string; hint: string }[] = [
  { value: 'reviewer', label: 'Reviewer', hint: 'Claims and decides items of their queues' },
  { value: 'auditor', label: 'Auditor', hint: 'Reads and exports the decision history and audit log' },
  { value: 'admin', label: 'Admin', hint: 'Manages queues, users and API keys' },
];

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v) => b.includes(v));

interface UserFormProps {
  /** The user to edit; null to create one. */
  user: UserAccount | null;
  queues: Queue[];
  onSaved: (user: UserAccount, created: boolean) => void;
  onCancel: () => void;
}

export function UserForm({ user, queues, onSaved, onCancel }: UserFormProps) {
  const session = useApiSession();
  const creating = user === null;
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(user?.roles ?? ['reviewer']);
  const [memberOf, setMemberOf] = useState<string[]>(user?.queues ?? []);
  const [disabled, setDisabled] = useState(user?.disabled ?? false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const firstRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    firstRef.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setError(null);
    setNote(null);
    const found: Record<string, string> = {};
    if (creating && !/^[^\s@]+@[^\s@]+$/.test(email.trim())) found['email'] = 'Enter an email address.';
    if ((creating || password !== '') && password.length < 8) found['password'] = 'At least 8 characters.';
    if (roles.length === 0) found['roles'] = 'Choose at least one role.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;

    const chosenRoles = roles as Role[];
    setSaving(true);
    try {
      if (user === null) {
        const created = await createUser(session.token, {
          email: email.trim(),
          password,
          roles: chosenRoles,
          queues: memberOf,
        });
        onSaved(created, true);
        return;
      }
      const changes: UserChanges = {};
      if (!sameSet(chosenRoles, user.roles)) changes.roles = chosenRoles;
      if (!sameSet(memberOf, user.queues)) changes.queues = memberOf;
      if (password !== '') changes.password = password;
      if (disabled !== user.disabled) changes.disabled = disabled;
      if (Object.keys(changes).length === 0) {
        setNote('Nothing changed.');
        setSaving(false);
        return;
      }
      onSaved(await updateUser(session.token, user.id, changes), false);
    } catch (caught) {
      setError(failure(session, caught));
      setSaving(false);
    }
  };

  return (
    <FormCard
      testId="user-form"
      title={creating ? 'New user' : `Edit ${user.email}`}
      onSubmit={(e) => void submit(e)}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <FormField htmlFor="user-email" label="Email" problem={problems['email']}>
          <input
            id="user-email"
            type="email"
            ref={creating ? firstRef : undefined}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            readOnly={!creating}
            autoComplete="off"
            aria-invalid={problems['email'] ? true : undefined}
            data-testid="user-form-email"
          />
        </FormField>
        <FormField
          htmlFor="user-password"
          label={creating ? 'Password' : 'New password'}
          problem={problems['password']}
          hint={`At least 8 characters.${creating ? '' : ' Empty: keep the current one.'}`}
        >
          <input
            id="user-password"
            type="password"
            ref={creating ? undefined : firstRef}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            placeholder={creating ? '' : 'unchanged'}
            aria-invalid={problems['password'] ? true : undefined}
            data-testid="user-form-password"
          />
        </FormField>
        {!creating && (
          <div className="form-field">
            <span className="label">Account</span>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={disabled}
                onChange={(e) => setDisabled(e.target.checked)}
                data-testid="user-form-disabled"
              />
              Disabled (cannot sign in)
            </label>
          </div>
        )}
        <div className="span-full">
          <CheckboxGroup
            legend="Roles"
            options={ROLES}
            selected={roles}
            onChange={setRoles}
            testId="user-form-role"
            problem={problems['roles']}
          />
        </div>
        <div className="span-full">
          <CheckboxGroup
            legend="Queues (reviewers work on these)"
            options={queues.map((q) => ({ value: q.slug, label: q.name, hint: q.slug }))}
            selected={memberOf}
            onChange={setMemberOf}
            testId="user-form-queue"
            emptyText="No queues yet."
          />
        </div>
      </div>
      <FormFooter
        testId="user-form"
        error={error}
        errorTitle={creating ? 'Could not create the user' : 'Could not save the user'}
        note={note}
        saving={saving}
        submitLabel={creating ? 'Create user' : 'Save changes'}
        savingLabel="Saving…"
        onCancel={onCancel}
      />
    </FormCard>
  );
}
