import { Button, Group, Modal, Skeleton, Stack, Text, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  type BantField,
  bantFields,
  bantLabels,
  type PolicyVersion,
} from '../../../../contracts/lifecycle.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { useQualify } from './api.ts';

const prompts: Record<BantField, string> = {
  need: 'What problem do they need solved?',
  budget: 'Is there budget, and how much?',
  authority: 'Who decides and signs?',
  timing: 'When do they want to buy?',
};

type QualifyDialogProps = {
  lead: { id: string; name: string } | null;
  onClose: () => void;
  onQualified?: () => void;
};

/** Sales-qualifies an accepted lead: the BANT answers the active policy requires (→ SQL). */
export function QualifyDialog({ lead, onClose, onQualified }: QualifyDialogProps) {
  const qualify = useQualify();
  const policy = useQuery({
    queryKey: ['policy', 'active'],
    queryFn: () => api<PolicyVersion>('GET', '/api/v1/policy'),
    enabled: lead !== null,
  });
  const [answers, setAnswers] = useState<Partial<Record<BantField, string>>>({});
  const required = new Set(policy.data?.definition.sql.required ?? []);
  const missing = [...required].filter((f) => !answers[f]?.trim());
  const error = qualify.error instanceof ApiError ? qualify.error : null;
  const close = () => {
    setAnswers({});
    qualify.reset();
    onClose();
  };
  return (
    <Modal
      opened={lead !== null}
      onClose={close}
      title={lead ? `Qualify ${lead.name}` : ''}
      size="lg"
      centered
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!lead || missing.length > 0) return;
          const input = Object.fromEntries(
            bantFields.filter((f) => answers[f]?.trim()).map((f) => [f, answers[f]!.trim()]),
          );
          qualify.mutate(
            { leadId: lead.id, input },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `${lead.name} is sales-qualified (SQL)` });
                close();
                onQualified?.();
              },
            },
          );
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            Need, budget, authority and timing, as agreed in the qualification policy
            {policy.data ? ` (v${policy.data.version})` : ''}. The answers stay on the lead's history.
          </Text>
          {policy.isPending ? (
            <Skeleton h={240} />
          ) : (
            bantFields.map((f) => (
              <Textarea
                key={f}
                label={bantLabels[f]}
                description={prompts[f]}
                required={required.has(f)}
                autosize
                minRows={1}
                maxLength={2000}
                value={answers[f] ?? ''}
                onChange={(e) => setAnswers({ ...answers, [f]: e.currentTarget.value })}
                error={error?.fieldError(f)}
              />
            ))
          )}
          <ErrorAlert error={policy.error ?? qualify.error} title="The lead was not qualified" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={qualify.isPending}
              disabled={missing.length > 0 || policy.isPending}
            >
              Qualify as SQL
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
