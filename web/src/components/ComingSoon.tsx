import { EmptyState, Paper } from '@mantine/core';
import type { ReactNode } from 'react';
import { PageHeader } from './PageHeader.tsx';

type ComingSoonProps = { title: string; description: string; icon: ReactNode; what: string };

/** An area of the app whose capability has not landed yet: says plainly what it will hold. */
export function ComingSoon({ title, description, icon, what }: ComingSoonProps) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Paper withBorder radius="md" p="xl">
        <EmptyState title={`${title} is on its way`} description={what} icon={icon} />
      </Paper>
    </>
  );
}
