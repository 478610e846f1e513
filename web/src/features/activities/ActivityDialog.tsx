import {
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import {
  type ActivityOutcome,
  type ActivityType,
  activityTypeLabels,
  activityTypes,
  outcomeLabels,
  outcomesByType,
} from '../../../../contracts/activities.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { fromLocalInput, toLocalInput } from '../tasks/api.ts';
import { type Activity, useLogActivity, useUpdateActivity } from './api.ts';

type ActivityDialogProps = {
  leadId: string;
  leadName: string;
  opened: boolean;
  onClose: () => void;
  /** The activity to edit; a new one when absent. */
  activity?: Activity | null;
};

/** Log a call, email, meeting, demo or note on a lead (or edit one). */
export function ActivityDialog({ leadId, leadName, opened, onClose, activity }: ActivityDialogProps) {
  const log = useLogActivity(leadId);
  const update = useUpdateActivity(leadId);
  const [type, setType] = useState<ActivityType>('call');
  const [outcome, setOutcome] = useState<ActivityOutcome | null>(null);
  const [when, setWhen] = useState('');
  // The input shows minutes; left as it was, "now" (or the logged time) is kept to the millisecond.
  const [whenChanged, setWhenChanged] = useState(false);
  const [duration, setDuration] = useState<number | string>('');
  const [body, setBody] = useState('');

  useEffect(() => {
    if (!opened) return;
    setType(activity?.type ?? 'call');
    setOutcome(activity?.outcome ?? null);
    setWhen(toLocalInput(activity?.occurredAt ?? new Date().toISOString()));
    setWhenChanged(false);
    setDuration(activity?.durationMinutes ?? '');
    setBody(activity?.body ?? '');
    log.reset();
    update.reset();
  }, [opened, activity, log.reset, update.reset]);

  const mutation = activity ? update : log;
  const error = mutation.error instanceof ApiError ? mutation.error : null;
  const outcomes = outcomesByType[type];
  const label = activityTypeLabels[type].toLowerCase();

  function submit() {
    const occurredAt = whenChanged ? (fromLocalInput(when) ?? undefined) : undefined;
    const fields = {
      type,
      outcome: outcomes.includes(outcome as ActivityOutcome) ? outcome : null,
      durationMinutes: type === 'note' || duration === '' ? null : Number(duration),
      body,
      ...(occurredAt ? { occurredAt } : {}),
    };
    const done = () => {
      notifications.show({ color: 'green', message: activity ? 'Activity saved' : `Logged the ${label}` });
      onClose();
    };
    if (activity) update.mutate({ id: activity.id, patch: fields }, { onSuccess: done });
    else log.mutate(fields, { onSuccess: done });
  }

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={activity ? 'Edit activity' : `Log an activity with ${leadName}`}
      centered
      size="lg"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <div>
            <Text size="sm" fw={500} mb={4} id="activity-type-label">
              Type
            </Text>
            <SegmentedControl
              fullWidth
              aria-labelledby="activity-type-label"
              data={activityTypes.map((t) => ({ value: t, label: activityTypeLabels[t] }))}
              value={type}
              onChange={(v) => setType(v as ActivityType)}
            />
          </div>
          <Group grow align="flex-start">
            {outcomes.length > 0 ? (
              <Select
                label="Outcome"
                placeholder="How did it go?"
                data={outcomes.map((o) => ({ value: o, label: outcomeLabels[o] }))}
                value={outcomes.includes(outcome as ActivityOutcome) ? outcome : null}
                onChange={(v) => setOutcome(v as ActivityOutcome | null)}
                clearable
                error={error?.fieldError('outcome')}
              />
            ) : null}
            <TextInput
              type="datetime-local"
              label="When"
              value={when}
              onChange={(e) => {
                setWhen(e.currentTarget.value);
                setWhenChanged(true);
              }}
              error={error?.fieldError('occurredAt')}
            />
            {type !== 'note' ? (
              <NumberInput
                label="Duration (minutes)"
                min={0}
                max={1440}
                allowDecimal={false}
                value={duration}
                onChange={setDuration}
                error={error?.fieldError('durationMinutes')}
              />
            ) : null}
          </Group>
          <Textarea
            label="Notes"
            placeholder={type === 'note' ? 'What should the team know?' : 'What was said, what comes next'}
            autosize
            minRows={3}
            maxRows={12}
            maxLength={10000}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            error={error?.fieldError('body')}
          />
          <ErrorAlert error={error && error.details.length === 0 ? error : null} title="Not saved" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {activity ? 'Save' : `Log ${label}`}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
