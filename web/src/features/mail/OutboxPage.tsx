import {
  Alert,
  Badge,
  Button,
  Code,
  Drawer,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { IconMail, IconMailOff } from '@tabler/icons-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { api, query } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

type Entry = {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  category: string;
  related: { type: string; id: string } | null;
  status: 'queued' | 'sent' | 'stored' | 'failed';
  error: string | null;
  createdAt: string;
  sentAt: string | null;
};
type OutboxPageData = { data: Entry[]; nextCursor: string | null; smtpConfigured: boolean };

const statusColor: Record<Entry['status'], string> = {
  queued: 'blue',
  sent: 'green',
  stored: 'gray',
  failed: 'red',
};

export function OutboxPage() {
  const [open, setOpen] = useState<Entry | null>(null);
  const outbox = useInfiniteQuery({
    queryKey: ['outbox'],
    queryFn: ({ pageParam }) =>
      api<OutboxPageData>('GET', `/api/v1/mail/outbox${query({ cursor: pageParam, limit: 50 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 10_000,
  });
  const rows = outbox.data?.pages.flatMap((p) => p.data) ?? [];
  const smtp = outbox.data?.pages[0]?.smtpConfigured;

  return (
    <>
      <PageHeader
        title="Outbox"
        description="Every message Leadloop sends: confirmations, notifications. Without an SMTP server (SMTP_URL), mail is kept here so you can read it."
      />
      {smtp === false ? (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconMailOff size={18} />}
          mb="md"
          title="No SMTP server configured"
        >
          Messages are stored here instead of being sent. Set SMTP_URL to deliver them.
        </Alert>
      ) : null}
      <ErrorAlert error={outbox.error} />
      <Paper withBorder radius="md">
        {outbox.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
            <Skeleton h={24} />
          </Stack>
        ) : rows.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconMail size={22} />}
            title="No mail yet"
            description="Confirmation emails and notifications appear here."
          />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Outbox">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>To</Table.Th>
                  <Table.Th>Subject</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((m) => (
                  <Table.Tr key={m.id} onClick={() => setOpen(m)} style={{ cursor: 'pointer' }}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{formatDateTime(m.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{m.to}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        variant="subtle"
                        size="compact-sm"
                        onClick={() => setOpen(m)}
                        aria-label={`Read ${m.subject}`}
                      >
                        {m.subject}
                      </Button>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {m.category.replace(/_/g, ' ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={statusColor[m.status]}>
                        {m.status}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      {outbox.hasNextPage ? (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            loading={outbox.isFetchingNextPage}
            onClick={() => outbox.fetchNextPage()}
          >
            Load older mail
          </Button>
        </Group>
      ) : null}
      <Drawer
        opened={open !== null}
        onClose={() => setOpen(null)}
        position="right"
        size="lg"
        title={open?.subject}
      >
        {open ? (
          <Stack gap="xs">
            <Text size="sm">
              <b>To:</b> {open.to}
            </Text>
            <Text size="sm">
              <b>Queued:</b> {formatDateTime(open.createdAt)} · <b>Status:</b> {open.status}
              {open.sentAt ? ` (${formatDateTime(open.sentAt)})` : ''}
            </Text>
            {open.error ? (
              <Alert color="red" variant="light">
                {open.error}
              </Alert>
            ) : null}
            {/* Shown as text, never rendered as HTML. */}
            <Code block style={{ whiteSpace: 'pre-wrap' }}>
              {open.text}
            </Code>
          </Stack>
        ) : null}
      </Drawer>
    </>
  );
}
