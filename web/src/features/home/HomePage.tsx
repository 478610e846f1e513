import { Anchor, Card, SimpleGrid, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconApi, IconBriefcase, IconKey, IconUsers } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useSession } from '../auth/api.ts';
import { DemoDataNotice } from '../demo/DemoDataNotice.tsx';

type StepProps = {
  icon: ReactNode;
  title: string;
  text: string;
  to: string;
  link: string;
  external?: boolean;
};

function Step({ icon, title, text, to, link, external }: StepProps) {
  return (
    <Card withBorder radius="md" padding="lg">
      <Stack gap="sm">
        <ThemeIcon variant="light" size="lg" radius="md">
          {icon}
        </ThemeIcon>
        <Text fw={600}>{title}</Text>
        <Text size="sm" c="dimmed">
          {text}
        </Text>
        {external ? (
          <Anchor href={to} size="sm" target="_blank" rel="noreferrer">
            {link}
          </Anchor>
        ) : (
          <Anchor component={Link} to={to} size="sm">
            {link}
          </Anchor>
        )}
      </Stack>
    </Card>
  );
}

export function HomePage() {
  const user = useSession().data;
  const admin = user?.role === 'admin';
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Welcome{user ? `, ${user.name.split(' ')[0]}` : ''}</Title>
        <Text c="dimmed" mt={4} maw={720}>
          Leadloop joins marketing and sales in one loop: capture leads, qualify them under a policy both
          teams agree on, hand them off fast, and learn from every outcome.
        </Text>
      </div>
      {admin ? <DemoDataNotice /> : null}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        {admin ? (
          <Step
            icon={<IconUsers size={20} />}
            title="Invite your team"
            text="Add marketers, sales managers and reps, each with the role that fits."
            to="/settings/users"
            link="Manage users"
          />
        ) : null}
        {admin ? (
          <Step
            icon={<IconKey size={20} />}
            title="Connect your systems"
            text="Create an API key with just the scopes an integration needs."
            to="/settings/api-keys"
            link="Create an API key"
          />
        ) : null}
        <Step
          icon={<IconApi size={20} />}
          title="Explore the API"
          text="Every endpoint, its schema and who may call it, generated from the code."
          to="/api/docs/"
          link="Open the API reference"
          external
        />
        {admin ? (
          <Step
            icon={<IconBriefcase size={20} />}
            title="Watch background work"
            text="Deliveries, timers and imports run as jobs; failures wait in dead letters for a retry."
            to="/settings/jobs"
            link="Open jobs"
          />
        ) : null}
      </SimpleGrid>
    </Stack>
  );
}
