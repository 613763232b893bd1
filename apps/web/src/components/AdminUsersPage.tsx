import { useState } from 'react';
import { listQueueDetails, listUsers } from '../api/admin';
import type { UserAccount } from '../api/types';
import { useApiSession } from '../hooks/useApiSession';
import { useLoad } from '../hooks/useLoad';
import { formatDateTime } from '../lib/format';
import { ListState } from './ListState';
import { NewButton, PageHead, StatusNotice } from './PageHead';
import { UserForm } from './UserForm';

export function AdminUsersPage() {
  const { user: me } = useApiSession();
  const users = useLoad(listUsers, 'users');
  const queues = useLoad(listQueueDetails, 'queues');
  const [editing, setEditing] = useState<UserAccount | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const queueName = (slug: string) => queues.data?.find((q) => q.slug === slug)?.name ?? slug;

  return (
    <section className="page page-wide" aria-labelledby="admin-users-title">
      <PageHead id="admin-users-title" title="Users and roles">
        <NewButton
          label="New user"
          testId="new-user-button"
          open={editing === 'new'}
          onOpen={() => {
            setNotice(null);
            setEditing('new');
          }}
        />
      </PageHead>
      <StatusNotice text={notice} testId="user-notice" />
      {editing && (
        <UserForm
          key={editing === 'new' ? 'new' : editing.id}
          user={editing === 'new' ? null : editing}
          queues={queues.data ?? []}
          onCancel={() => setEditing(null)}
          onSaved={(saved, created) => {
            users.setData((all) =>
              !all ? [saved] : created ? [...all, saved] : all.map((u) => (u.id === saved.id ? saved : u)),
            );
            setEditing(null);
            setNotice(
              created
                ? `Created ${saved.email}.`
                : `Saved ${saved.email}. The change applies at once, open sessions included.`,
            );
          }}
        />
      )}
      <ListState
        load={users}
        testId="admin-users"
        errorTitle="Could not list the users"
        loadingText="Loading users…"
        empty="No users."
      >
        {(list) => (
          <table className="data-table" data-testid="admin-user-list">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Queues</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((user) => (
                <tr
                  key={user.id}
                  data-testid="admin-user-row"
                  data-email={user.email}
                  data-disabled={user.disabled}
                >
                  <th scope="row">
                    {user.email}
                    {user.id === me.id && <span className="badge">you</span>}
                  </th>
                  <td>
                    {user.roles.map((role) => (
                      <span key={role} className={`chip chip-${role}`}>
                        {role}
                      </span>
                    ))}
                  </td>
                  <td className="small">
                    {user.queues.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      user.queues.map(queueName).join(', ')
                    )}
                  </td>
                  <td>
                    {user.disabled ? (
                      <span className="badge badge-warn">disabled</span>
                    ) : (
                      <span className="badge badge-ok">active</span>
                    )}
                  </td>
                  <td className="small nowrap">{formatDateTime(user.createdAt)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        setNotice(null);
                        setEditing(user);
                      }}
                      aria-label={`Edit ${user.email}`}
                      data-testid="edit-user"
                    >
                      Edit
                    </button>
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
