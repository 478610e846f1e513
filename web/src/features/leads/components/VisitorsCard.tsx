import { Badge, Button, Group, Modal, Paper, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Stitch } from '../../../../../contracts/tracking.ts';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useLinkVisitor, useStitches, useUndoStitch } from '../../tracking/api.ts';

const reasonLabels: Record<Stitch['reason'], string> = {
  identify: 'identified on the website',
  form: 'submitted a form',
  api: 'joined through the API',
};

/**
 * The browsers (tracking visitor ids) joined to this lead, one stitch each, with Undo: the
 * browser's page views and events become anonymous again.
 */
export function VisitorsCard({ leadId }: { leadId: string }) {
  const stitches = useStitches(leadId);
  const undo = useUndoStitch();
  const [undoing, setUndoing] = useState<Stitch | null>(null);
  const list = stitches.data?.data ?? [];
  const live = new Set(list.filter((s) => !s.undoneAt && s.leadId === leadId).map((s) => s.visitorId));
  return (
    <Paper withBorder radius="md" p="lg" aria-label="Website visitors">
      <Title order={3} size="h4" mb={4}>
        Website visitors
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {live.size === 0
          ? 'No browser is linked to this lead.'
          : `${live.size} browser${live.size === 1 ? '' : 's'} linked: their visits show on the timeline.`}
      </Text>
      <ErrorAlert error={stitches.error} />
      {stitches.isPending ? (
        <Skeleton h={40} />
      ) : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          When someone identifies with the tracking snippet or submits a form, their browser’s anonymous
          history joins the lead here.
        </Text>
      ) : (
        <Stack gap="sm" role="list" aria-label="Stitches">
          {list.map((s) => (
            <Group key={s.id} justify="space-between" wrap="nowrap" align="flex-start" role="listitem">
              <div style={{ minWidth: 0 }}>
                <Text size="sm" fw={500} ff="monospace" style={{ wordBreak: 'break-all' }}>
                  {s.visitorId}
                </Text>
                <Text size="xs">{s.note}</Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(s.at)} · {reasonLabels[s.reason]}
                  {s.events > 0 ? ` · ${s.events} event${s.events === 1 ? '' : 's'} joined` : ''}
                </Text>
                {s.previousLeadId && s.previousLeadId !== leadId ? (
                  <Text size="xs" c="dimmed">
                    The browser was{' '}
                    <Link to={`/leads/${encodeURIComponent(s.previousLeadId)}`}>another lead</Link> before.
                  </Text>
                ) : null}
                {s.undoneAt ? (
                  <Text size="xs" c="dimmed">
                    Undone {formatDateTime(s.undoneAt)}
                    {s.undoneBy ? ` by ${s.undoneBy}` : ''}
                    {s.undoneEvents !== null ? ` · ${s.undoneEvents} made anonymous again` : ''}
                  </Text>
                ) : null}
              </div>
              {s.undoneAt ? (
                <Badge variant="light" color="gray" style={{ flexShrink: 0 }}>
                  Undone
                </Badge>
              ) : s.leadId === leadId ? (
                <Button
                  size="xs"
                  variant="light"
                  color="red"
                  onClick={() => setUndoing(s)}
                  style={{ flexShrink: 0 }}
                >
                  Undo
                </Button>
              ) : null}
            </Group>
          ))}
        </Stack>
      )}
      <LinkVisitor leadId={leadId} />
      <Modal opened={undoing !== null} onClose={() => setUndoing(null)} title="Undo this link?" centered>
        <Stack>
          <Text size="sm">
            Browser {undoing?.visitorId} leaves this lead. Its page views and events on the timeline become
            anonymous again, and the first and last touch are worked out afresh. If the person identifies
            again, the browser links again.
          </Text>
          <ErrorAlert error={undo.error} title="Not undone" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setUndoing(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={undo.isPending}
              onClick={() =>
                undoing &&
                undo.mutate(undoing.id, {
                  onSuccess: (s) => {
                    notifications.show({
                      color: 'green',
                      message: `Undone: ${s.undoneEvents ?? 0} page views and events are anonymous again`,
                    });
                    setUndoing(null);
                  },
                })
              }
            >
              Undo link
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

/** Link a browser by its visitor id (the ll_vid cookie), e.g. one seen in a support chat. */
function LinkVisitor({ leadId }: { leadId: string }) {
  const link = useLinkVisitor(leadId);
  const [open, setOpen] = useState(false);
  const [visitorId, setVisitorId] = useState('');
  if (!open)
    return (
      <Button size="xs" variant="subtle" mt="sm" px={0} onClick={() => setOpen(true)}>
        Link a browser by its visitor id…
      </Button>
    );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        link.mutate(visitorId.trim(), {
          onSuccess: (s) => {
            notifications.show({ color: 'green', message: s.note });
            setVisitorId('');
            setOpen(false);
          },
        });
      }}
    >
      <Group gap="xs" mt="sm" align="flex-start" wrap="nowrap">
        <TextInput
          size="xs"
          aria-label="Visitor id"
          placeholder="ll_vid cookie value"
          value={visitorId}
          onChange={(e) => setVisitorId(e.currentTarget.value)}
          error={link.error?.message}
          style={{ flex: 1 }}
          maxLength={64}
          data-autofocus
        />
        <Button size="xs" type="submit" loading={link.isPending} disabled={visitorId.trim().length < 8}>
          Link
        </Button>
        <Button size="xs" variant="default" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </Group>
    </form>
  );
}
