import { Alert, Loader } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, query } from '../../lib/api.ts';

type DemoJob = {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'dead';
  lastError: string | null;
  finishedAt: string | null;
};

/** A finished load is news for this long; each job is announced once per browser. */
const newsMs = 10 * 60_000;

const pending = (job: DemoJob | undefined) => job?.status === 'queued' || job?.status === 'running';

/**
 * For admins on the home page: while the demo dataset asked for at first-run setup is loading, says
 * so; once it has finished (in the last minutes), a toast says it is ready or that it failed.
 * Renders nothing otherwise.
 */
export function DemoDataNotice() {
  const client = useQueryClient();
  const jobs = useQuery({
    queryKey: ['jobs', 'demo.load'],
    queryFn: () => api<{ data: DemoJob[] }>('GET', `/api/v1/jobs${query({ name: 'demo.load', limit: 1 })}`),
    refetchInterval: (q) => (pending(q.state.data?.data[0]) ? 2000 : false),
  });
  const job = jobs.data?.data[0];
  useEffect(() => {
    if (!job?.finishedAt || pending(job)) return;
    const seen = `leadloop.demo-load-announced.${job.id}`;
    if (localStorage.getItem(seen) || Date.now() - Date.parse(job.finishedAt) > newsMs) return;
    localStorage.setItem(seen, '1');
    if (job.status === 'succeeded') {
      notifications.show({
        color: 'green',
        title: 'Demo data loaded',
        message: 'About 5,000 fictional leads are ready under Leads.',
      });
      void client.invalidateQueries();
    } else {
      notifications.show({
        color: 'red',
        title: 'Demo data could not be loaded',
        message: job.lastError ?? 'Settings → Jobs has the details.',
      });
    }
  }, [job, client]);
  if (!pending(job)) return null;
  return (
    <Alert icon={<Loader size="xs" />} title="Loading demo data" maw={720}>
      About 5,000 fictional leads with a year of history are being loaded in the background. You can look
      around meanwhile; a message tells you when they are ready.
    </Alert>
  );
}
