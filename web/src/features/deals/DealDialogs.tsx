import {
  Button,
  Group,
  Loader,
  Modal,
  MultiSelect,
  NumberInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useMemo, useState } from 'react';
import type { Deal, LeadOutcome, Pipeline } from '../../../../contracts/deals.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { leadName } from '../../components/leads/format.ts';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { useLeadSearch } from '../../components/leads/queries.ts';
import { ApiError } from '../../lib/api.ts';
import { useSession } from '../auth/api.ts';
import { commonCurrencies, toMinor } from '../campaigns/money.ts';
import { useCreateDeal, useLoseDeal, useReopenDeal, useWinDeal } from './api.ts';
import { formatMoney, minorDigits } from './format.ts';

const allCurrencies: string[] = (() => {
  try {
    const all = Intl.supportedValuesOf('currency');
    return [...commonCurrencies, ...all.filter((c) => !commonCurrencies.includes(c))];
  } catch {
    return commonCurrencies;
  }
})();

/** An error shown in place unless a field below names it. */
function formError(error: unknown, shownFields: string[]) {
  if (!(error instanceof ApiError)) return error;
  return error.details.length > 0 && error.details.every((d) => shownFields.includes(d.field)) ? null : error;
}
const fieldError = (error: unknown, field: string) =>
  error instanceof ApiError ? error.fieldError(field) : undefined;

type DealDialogProps = { deal: Deal | null; onClose: () => void };

/** Confirms a win: the linked leads become customers. */
export function WonDialog({ deal, onClose }: DealDialogProps) {
  const win = useWinDeal();
  const close = () => {
    win.reset();
    onClose();
  };
  return (
    <Modal opened={deal !== null} onClose={close} title={deal ? `Mark “${deal.name}” as won?` : ''} centered>
      <Stack>
        <Text size="sm">
          {deal?.amount ? `${formatMoney(deal.amount.amount, deal.amount.currency)} closes as won. ` : ''}
          Its linked leads become customers, and the win is recorded on their timelines.
        </Text>
        <ErrorAlert error={win.error} title="The deal was not marked won" />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="teal"
            loading={win.isPending}
            onClick={() =>
              deal &&
              win.mutate(deal.id, {
                onSuccess: (d) => {
                  notifications.show({ color: 'teal', message: `${d.name} is won` });
                  close();
                },
              })
            }
          >
            Mark won
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type LostDialogProps = DealDialogProps & { reasons: { code: string; label: string }[] };

/** A loss needs a reason from the pipeline's list and says what happens to the leads. */
export function LostDialog({ deal, reasons, onClose }: LostDialogProps) {
  const lose = useLoseDeal();
  const [code, setCode] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [outcome, setOutcome] = useState<LeadOutcome>('recycled');
  const close = () => {
    setCode(null);
    setNote('');
    setOutcome('recycled');
    lose.reset();
    onClose();
  };
  return (
    <Modal opened={deal !== null} onClose={close} title={deal ? `Mark “${deal.name}” as lost` : ''} centered>
      <Stack>
        <Select
          label="Lost reason"
          placeholder="Why was it lost?"
          data={reasons.map((r) => ({ value: r.code, label: r.label }))}
          value={code}
          onChange={setCode}
          required
          allowDeselect={false}
          error={fieldError(lose.error, 'reasonCode')}
        />
        <Textarea
          label="Note"
          description="What the team should know (who won it, what was missing)"
          autosize
          minRows={2}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <Radio.Group
          label="The linked leads"
          value={outcome}
          onChange={(v) => setOutcome(v as LeadOutcome)}
          description="Leads another open deal still holds stay opportunities; customers stay customers."
        >
          <Stack gap={6} mt={6}>
            <Radio value="recycled" label="Back to marketing nurture (recycled)" />
            <Radio value="disqualified" label="Disqualify them (not a fit)" />
          </Stack>
        </Radio.Group>
        <ErrorAlert error={formError(lose.error, ['reasonCode'])} title="The deal was not marked lost" />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            color="red"
            disabled={!code}
            loading={lose.isPending}
            onClick={() =>
              deal &&
              code &&
              lose.mutate(
                {
                  id: deal.id,
                  input: {
                    reasonCode: code,
                    leadOutcome: outcome,
                    ...(note.trim() ? { note: note.trim() } : {}),
                  },
                },
                {
                  onSuccess: (d) => {
                    notifications.show({ message: `${d.name} is lost: ${d.lostReason?.label ?? ''}` });
                    close();
                  },
                },
              )
            }
          >
            Mark lost
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type ReopenDialogProps = DealDialogProps & { pipeline: Pipeline | undefined; stageId?: string | null };

/** Reopening a won or lost deal is explicit, into an open stage. */
export function ReopenDialog({ deal, pipeline, stageId, onClose }: ReopenDialogProps) {
  const reopen = useReopenDeal();
  const [stage, setStage] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  useEffect(() => {
    if (deal) setStage(stageId ?? null);
  }, [deal, stageId]);
  const close = () => {
    setReason('');
    reopen.reset();
    onClose();
  };
  const open = (pipeline?.stages ?? []).filter((s) => s.kind === 'open');
  return (
    <Modal opened={deal !== null} onClose={close} title={deal ? `Reopen “${deal.name}”?` : ''} centered>
      <Stack>
        <Text size="sm">
          The deal is {deal?.status}. Reopening it moves it back into an open stage; recycled leads become
          opportunities again.
        </Text>
        <Select
          label="Stage"
          placeholder="Where it was before it closed"
          clearable
          data={open.map((s) => ({ value: s.id, label: `${s.name} (${s.probability} %)` }))}
          value={stage}
          onChange={setStage}
          error={fieldError(reopen.error, 'stageId')}
        />
        <Textarea
          label="Why"
          autosize
          minRows={2}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <ErrorAlert error={formError(reopen.error, ['stageId'])} title="The deal was not reopened" />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            loading={reopen.isPending}
            onClick={() =>
              deal &&
              reopen.mutate(
                {
                  id: deal.id,
                  input: {
                    ...(stage ? { stageId: stage } : {}),
                    ...(reason.trim() ? { reason: reason.trim() } : {}),
                  },
                },
                {
                  onSuccess: (d) => {
                    notifications.show({ message: `${d.name} is open again in ${d.stageName}` });
                    close();
                  },
                },
              )
            }
          >
            Reopen deal
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export type LeadOption = { id: string; label: string };

/** Picks leads by searching; the chosen ones keep their labels while the search changes. */
export function LeadPicker({
  value,
  onChange,
  error,
}: {
  value: LeadOption[];
  onChange: (leads: LeadOption[]) => void;
  error?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const found = useLeadSearch(debounced);
  const options = useMemo(() => {
    const all = new Map(value.map((l) => [l.id, l.label]));
    for (const l of found.data?.data ?? [])
      if (!all.has(l.id)) all.set(l.id, [leadName(l), l.companyName].filter(Boolean).join(' · '));
    return [...all].map(([v, label]) => ({ value: v, label }));
  }, [value, found.data]);
  return (
    <MultiSelect
      label="Leads"
      description="The first one is the primary lead: the deal's company comes from it"
      placeholder={value.length === 0 ? 'Search by name, email or company' : undefined}
      required
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      data={options}
      value={value.map((l) => l.id)}
      onChange={(ids) =>
        onChange(ids.map((id) => ({ id, label: options.find((o) => o.value === id)?.label ?? id })))
      }
      filter={({ options: o }) => o}
      nothingFoundMessage={debounced.trim() ? 'No lead matches' : 'Type to search'}
      rightSection={found.isFetching ? <Loader size="xs" /> : null}
      error={error}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

type NewDealDialogProps = {
  opened: boolean;
  onClose: () => void;
  pipelines: Pipeline[];
  pipelineId?: string | null;
  /** Opened from a lead: it is preselected as the primary lead. */
  lead?: { id: string; label: string; companyName?: string | null } | null;
  onCreated?: (deal: Deal) => void;
};

type Draft = {
  name: string;
  pipelineId: string | null;
  stageId: string | null;
  amount: number | '';
  currency: string;
  close: string;
  ownerId: string | null;
  leads: LeadOption[];
};

export function NewDealDialog({
  opened,
  onClose,
  pipelines,
  pipelineId,
  lead,
  onCreated,
}: NewDealDialogProps) {
  const create = useCreateDeal();
  const me = useSession().data;
  const [draft, setDraft] = useState<Draft>(() => blank());
  function blank(): Draft {
    const p =
      pipelines.find((x) => x.id === pipelineId) ?? pipelines.find((x) => x.isDefault) ?? pipelines[0];
    return {
      name: lead ? `${lead.companyName || lead.label} deal` : '',
      pipelineId: p?.id ?? null,
      stageId: p?.stages.find((s) => s.kind === 'open')?.id ?? null,
      amount: '',
      currency: 'EUR',
      close: '',
      ownerId: me?.id ?? null,
      leads: lead ? [{ id: lead.id, label: lead.label }] : [],
    };
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh draft each time the dialog opens
  useEffect(() => {
    if (opened) {
      create.reset();
      setDraft(blank());
    }
  }, [opened]);
  const pipeline = pipelines.find((p) => p.id === draft.pipelineId);
  const openStages = (pipeline?.stages ?? []).filter((s) => s.kind === 'open');
  const ready =
    draft.name.trim() && draft.leads.length > 0 && draft.pipelineId && draft.stageId && draft.ownerId;
  const error = create.error;
  const shown = [
    'name',
    'leadIds',
    'leadIds.0',
    'stageId',
    'ownerId',
    'amount.amount',
    'amount.currency',
    'expectedCloseDate',
  ];
  return (
    <Modal opened={opened} onClose={onClose} title="New deal" size="lg" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          create.mutate(
            {
              name: draft.name.trim(),
              leadIds: draft.leads.map((l) => l.id),
              pipelineId: draft.pipelineId!,
              stageId: draft.stageId!,
              ownerId: draft.ownerId!,
              ...(draft.amount === ''
                ? {}
                : { amount: { amount: toMinor(draft.amount, draft.currency), currency: draft.currency } }),
              ...(draft.close ? { expectedCloseDate: draft.close } : {}),
            },
            {
              onSuccess: (d) => {
                notifications.show({ color: 'green', message: `Opened ${d.name} in ${d.stageName}` });
                onClose();
                onCreated?.(d);
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            maxLength={200}
            placeholder="e.g. Globex platform licence"
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            error={fieldError(error, 'name')}
            data-autofocus
          />
          <LeadPicker
            value={draft.leads}
            onChange={(leads) => setDraft({ ...draft, leads })}
            error={fieldError(error, 'leadIds') ?? fieldError(error, 'leadIds.0')}
          />
          <SimpleGrid cols={2}>
            <Select
              label="Pipeline"
              data={pipelines.map((p) => ({ value: p.id, label: p.name }))}
              value={draft.pipelineId}
              onChange={(v) => {
                const p = pipelines.find((x) => x.id === v);
                setDraft({
                  ...draft,
                  pipelineId: v,
                  stageId: p?.stages.find((s) => s.kind === 'open')?.id ?? null,
                });
              }}
              allowDeselect={false}
            />
            <Select
              label="Stage"
              data={openStages.map((s) => ({ value: s.id, label: `${s.name} (${s.probability} %)` }))}
              value={draft.stageId}
              onChange={(v) => setDraft({ ...draft, stageId: v })}
              allowDeselect={false}
              error={fieldError(error, 'stageId')}
            />
            <NumberInput
              label="Amount"
              min={0}
              decimalScale={minorDigits(draft.currency)}
              thousandSeparator=","
              value={draft.amount}
              onChange={(v) =>
                setDraft({ ...draft, amount: typeof v === 'number' ? v : v === '' ? '' : Number(v) })
              }
              error={fieldError(error, 'amount.amount')}
            />
            <Select
              label="Currency"
              searchable
              data={allCurrencies}
              value={draft.currency}
              onChange={(v) => v && setDraft({ ...draft, currency: v })}
              allowDeselect={false}
              error={fieldError(error, 'amount.currency')}
            />
            <TextInput
              type="date"
              label="Expected close"
              value={draft.close}
              onChange={(e) => setDraft({ ...draft, close: e.currentTarget.value })}
              error={fieldError(error, 'expectedCloseDate')}
            />
            <OwnerSelect
              label="Owner"
              value={draft.ownerId}
              onChange={(ownerId) => setDraft({ ...draft, ownerId })}
              allowUnassigned={false}
              error={fieldError(error, 'ownerId')}
            />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            Opening the deal moves its leads to Opportunity.
          </Text>
          <ErrorAlert error={formError(error, shown)} title="The deal was not opened" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!ready}>
              Open deal
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
