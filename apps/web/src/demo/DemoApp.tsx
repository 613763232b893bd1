import { useEffect, useState } from 'react';
import { AppHeader } from '../components/AppHeader';
import { QueuesPage } from '../components/QueuesPage';
import { Workspace } from '../components/Workspace';
import type { LiveStats } from '../hooks/useQueueStats';
import { DemoTransport } from './DemoTransport';
import { demoHistories, demoItems, demoQueue, demoUser } from './fixtures';

/** The reviewer UI on fixture data, without a server. */
export function DemoApp({ view }: { view: 'workspace' | 'queues' }) {
  const [transport] = useState(
    () => new DemoTransport(demoQueue.slug, demoItems, demoQueue.leaseSeconds, demoHistories),
  );
  const [stats, setStats] = useState<LiveStats>(() => ({ ...transport.stats(), receivedAt: Date.now() }));
  useEffect(() => transport.onStats((next) => setStats({ ...next, receivedAt: Date.now() })), [transport]);
  const go = (demo: string) => window.location.assign(`/?demo=${demo}`);

  return (
    <div className="app">
      <AppHeader
        user={demoUser}
        status="connected"
        badge="Demo data"
        onHome={() => go('queues')}
        onLogout={() => window.location.assign('/')}
      />
      <main className="app-main">
        {view === 'queues' ? (
          <QueuesPage
            queues={[demoQueue, { ...demoQueue, slug: 'refund-approvals', name: 'Refund approvals' }]}
            error={null}
            stats={{
              [demoQueue.slug]: { stats },
              'refund-approvals': { stats: { ...stats, queue: 'refund-approvals', pending: 0, claimed: 0 } },
            }}
            onOpen={() => go('1')}
          />
        ) : (
          <Workspace
            queue={demoQueue}
            stats={stats}
            transport={transport}
            connected
            epoch={1}
            onBack={() => go('queues')}
          />
        )}
      </main>
    </div>
  );
}
