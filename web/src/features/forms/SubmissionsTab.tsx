import {
  Anchor,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { IconInbox } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { Form, Submission, SubmissionStatus } from '../../../../contracts/forms.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { formsKey, useSubmissions } from './api.ts';

const statusLook: Record<SubmissionStatus, { label: string; color: string; hint: string }> = {
  accepted: { label: 'Accepted', color: 'green', hint: 'Became a lead' },
  pending: { label: 'Pending', color: 'yellow', hint: 'Waiting for the confirmation link to be clicked' },
  confirmed: { label: 'Confirmed', color: 'teal', hint: 'The confirmation link was clicked' },
  spam: { label: 'Spam', color: 'red', hint: 'Taken for a bot: no lead was made' },
};

const spamReasons: Record<string, string> = {
  honeypot: 'filled the trap field',
  too_fast: 'sent too fast',
  bot: 'bot user agent',
};

const viaLabels: Record<Submission['via'], string> = {
  hosted: 'Hosted page',
  embed: 'Embed',
  api: 'API',
  hubspot: 'HubSpot endpoint',
};

function nameOf(s: Submission): string {
  const v = s.values;
  return [v.firstName, v.lastName].filter((x) => typeof x === 'string' && x.trim() !== '').join(' ');
}

/** The page path and query, without the scheme and host when it is this Leadloop's own page. */
function pageOf(url: string | null): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return u.origin === window.location.origin
      ? `${u.pathname}${u.search}`
      : `${u.host}${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

export function SubmissionStatusBadge({ s }: { s: Submission }) {
  const look = statusLook[s.status];
  const hint = s.spamReason ? `${look.hint} (${spamReasons[s.spamReason] ?? s.spamReason})` : look.hint;
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label={hint} withArrow>
        <Badge color={look.color} variant="light">
          {look.label}
        </Badge>
      </Tooltip>
      {s.disposable ? (
        <Tooltip label="The email is at a disposable-mail domain" withArrow>
          <Badge color="orange" variant="outline" size="sm">
            Disposable
          </Badge>
        </Tooltip>
      ) : null}
    </Group>
  );
}

/** A form's submissions, newest first, in pages of 25. */
export function SubmissionsTab({ form }: { form: Form }) {
  const [status, setStatus] = useState<SubmissionStatus | 'all'>('all');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<Submission | null>(null);
  const page = useSubmissions(form.id, status === 'all' ? null : status, cursors.at(-1) ?? null);
  const rows = page.data?.data ?? [];
  // The counts on the form change with every submission: fetch them afresh when the tab opens.
  const client = useQueryClient();
  useEffect(() => {
    void client.invalidateQueries({ queryKey: [...formsKey, 'detail', form.id], exact: true });
  }, [client, form.id]);

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {formatNumber(form.submissionCount)} accepted
          {form.spamCount > 0 ? `, ${formatNumber(form.spamCount)} taken for spam` : ''}
          {form.lastSubmissionAt ? ` · last ${formatDateTime(form.lastSubmissionAt)}` : ''}
        </Text>
        <SegmentedControl
          aria-label="Show submissions"
          size="xs"
          value={status}
          onChange={(v) => {
            setStatus(v as SubmissionStatus | 'all');
            setCursors([null]);
          }}
          data={[
            { value: 'all', label: 'All' },
            { value: 'accepted', label: 'Accepted' },
            { value: 'pending', label: 'Pending' },
            { value: 'confirmed', label: 'Confirmed' },
            { value: 'spam', label: 'Spam' },
          ]}
        />
      </Group>
      <ErrorAlert error={page.error} />
      <Paper withBorder radius="md">
        {page.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
            <Skeleton h={24} />
          </Stack>
        ) : rows.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconInbox size={22} />}
            title={status === 'all' ? 'No submissions yet' : 'None with this status'}
            description={
              status === 'all'
                ? 'When people send the form, each submission shows here and on the lead it made or updated.'
                : 'Pick “All” to see every submission.'
            }
          />
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing="sm" aria-label="Submissions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Lead</Table.Th>
                  <Table.Th>Page</Table.Th>
                  <Table.Th>UTM campaign</Table.Th>
                  <Table.Th>Via</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((s) => {
                  const name = nameOf(s);
                  return (
                    <Table.Tr key={s.id}>
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {formatDateTime(s.createdAt)}
                        </Text>
                      </Table.Td>
                      <Table.Td maw={280}>
                        {s.leadId ? (
                          <Anchor component={Link} to={`/leads/${s.leadId}`} size="sm" fw={500}>
                            {s.email ?? 'Lead'}
                          </Anchor>
                        ) : (
                          <Text size="sm">{s.email ?? '—'}</Text>
                        )}
                        {name ? (
                          <Text size="xs" c="dimmed" truncate>
                            {name}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td maw={260}>
                        {s.pageUrl ? (
                          <Tooltip label={s.pageUrl} withArrow multiline maw={420}>
                            <Text size="sm" truncate>
                              {pageOf(s.pageUrl)}
                            </Text>
                          </Tooltip>
                        ) : (
                          <Text size="sm" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {s.utm.campaign ? (
                          <Code fz="xs">{s.utm.campaign}</Code>
                        ) : (
                          <Text size="sm" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{viaLabels[s.via]}</Text>
                      </Table.Td>
                      <Table.Td>
                        <SubmissionStatusBadge s={s} />
                      </Table.Td>
                      <Table.Td>
                        <Button
                          variant="subtle"
                          size="compact-sm"
                          onClick={() => setOpen(s)}
                          aria-label={`Answers of ${s.email ?? 'this submission'}`}
                        >
                          Answers
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      {cursors.length > 1 || page.data?.nextCursor ? (
        <Group justify="flex-end" gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={cursors.length === 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Newer
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!page.data?.nextCursor}
            onClick={() => setCursors((c) => [...c, page.data?.nextCursor ?? null])}
          >
            Older
          </Button>
        </Group>
      ) : null}
      <Modal opened={open !== null} onClose={() => setOpen(null)} title="Submitted answers" size="lg">
        {open ? <Answers s={open} form={form} /> : null}
      </Modal>
    </Stack>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

function Answers({ s, form }: { s: Submission; form: Form }) {
  const labels = new Map(form.fields.map((f) => [f.key, f.label]));
  const utm = Object.entries(s.utm);
  return (
    <Stack gap="md">
      <Group gap="xs">
        <SubmissionStatusBadge s={s} />
        <Text size="sm" c="dimmed">
          {formatDateTime(s.createdAt)} · {viaLabels[s.via]}
        </Text>
      </Group>
      <Table withTableBorder withColumnBorders aria-label="Answers">
        <Table.Tbody>
          {Object.entries(s.values).map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={200}>{labels.get(k) ?? k}</Table.Th>
              <Table.Td style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{show(v)}</Table.Td>
            </Table.Tr>
          ))}
          {Object.entries(s.consents).map(([k, c]) => (
            <Table.Tr key={`consent-${k}`}>
              <Table.Th>Consent: {k}</Table.Th>
              <Table.Td>
                {c.given ? 'Given' : 'Not given'}
                {c.textVersion ? (
                  <Code fz="xs" ml="xs">
                    {c.textVersion}
                  </Code>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
          {utm.map(([k, v]) => (
            <Table.Tr key={`utm-${k}`}>
              <Table.Th>UTM {k}</Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Th>Page</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{s.pageUrl ?? '—'}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
