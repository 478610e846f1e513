import {
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Textarea,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import {
  type Campaign,
  type CampaignStatus,
  campaignStatuses,
  campaignStatusLabels,
} from '../../../../contracts/attribution.ts';
import type { Channel } from '../../../../contracts/capture.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { useSaveCampaign } from './api.ts';
import { channelOptions } from './channels.tsx';

type Draft = {
  name: string;
  channel: Channel | null;
  status: CampaignStatus;
  startDate: string;
  endDate: string;
  utmCampaigns: string[];
  description: string;
};

function draftOf(c?: Campaign | null): Draft {
  return {
    name: c?.name ?? '',
    channel: c?.channel ?? null,
    status: c?.status ?? 'active',
    startDate: c?.startDate ?? '',
    endDate: c?.endDate ?? '',
    utmCampaigns: c?.utmCampaigns ?? [],
    description: c?.description ?? '',
  };
}

type CampaignDialogProps = {
  opened: boolean;
  onClose: () => void;
  /** The campaign to edit; none to create one. */
  campaign?: Campaign | null;
  onSaved?: (c: Campaign) => void;
};

export function CampaignDialog({ opened, onClose, campaign, onSaved }: CampaignDialogProps) {
  const save = useSaveCampaign();
  const [draft, setDraft] = useState<Draft>(() => draftOf(campaign));
  useEffect(() => {
    if (opened) {
      setDraft(draftOf(campaign));
      save.reset();
    }
  }, [opened, campaign, save.reset]);
  const error = save.error instanceof ApiError ? save.error : null;
  const fieldError = (f: string) =>
    error?.details.find((d) => d.field === f || d.field.startsWith(`${f}.`))?.message;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={campaign ? `Edit ${campaign.name}` : 'New campaign'}
      centered
      size="lg"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!draft.channel) return;
          save.mutate(
            {
              id: campaign?.id,
              input: {
                name: draft.name,
                channel: draft.channel,
                status: draft.status,
                startDate: draft.startDate || null,
                endDate: draft.endDate || null,
                utmCampaigns: draft.utmCampaigns,
                description: draft.description.trim() || null,
              },
            },
            {
              onSuccess: (c) => {
                notifications.show({ color: 'green', message: `Saved the campaign “${c.name}”` });
                onClose();
                onSaved?.(c);
              },
            },
          );
        }}
      >
        <Stack>
          <ErrorAlert
            error={error && error.details.length === 0 ? error : null}
            title="The campaign was not saved"
          />
          <TextInput
            label="Name"
            required
            maxLength={200}
            value={draft.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            error={fieldError('name')}
            data-autofocus
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label="Channel"
              required
              placeholder="Pick a channel"
              data={channelOptions}
              value={draft.channel}
              onChange={(v) => set('channel', v as Channel | null)}
              error={fieldError('channel')}
              allowDeselect={false}
            />
            <Select
              label="Status"
              data={campaignStatuses.map((s) => ({ value: s, label: campaignStatusLabels[s] }))}
              value={draft.status}
              onChange={(v) => v && set('status', v as CampaignStatus)}
              allowDeselect={false}
            />
            <TextInput
              type="date"
              label="Starts"
              value={draft.startDate}
              onChange={(e) => set('startDate', e.currentTarget.value)}
              error={fieldError('startDate')}
            />
            <TextInput
              type="date"
              label="Ends"
              value={draft.endDate}
              onChange={(e) => set('endDate', e.currentTarget.value)}
              error={fieldError('endDate')}
            />
          </SimpleGrid>
          <TagsInput
            label="UTM campaign keys"
            description="utm_campaign values that belong to this campaign (case does not matter). Press Enter after each."
            placeholder="e.g. spring-webinar"
            value={draft.utmCampaigns}
            onChange={(v) => set('utmCampaigns', v)}
            error={fieldError('utmCampaigns')}
            clearable
            splitChars={[',', ' ']}
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxLength={2000}
            value={draft.description}
            onChange={(e) => set('description', e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!draft.channel || !draft.name.trim()}>
              {campaign ? 'Save changes' : 'Create campaign'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
