import { Button, Group, Modal, NumberInput, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import type { CampaignCost } from '../../../../contracts/attribution.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { useSaveCost } from './api.ts';
import { formatDay } from './CampaignsListPage.tsx';
import { commonCurrencies, formatMoney, minorDigits, toMajor, toMinor } from './money.ts';

const allCurrencies: string[] = (() => {
  try {
    const all = Intl.supportedValuesOf('currency');
    return [...commonCurrencies, ...all.filter((c) => !commonCurrencies.includes(c))];
  } catch {
    return commonCurrencies;
  }
})();

type Draft = { date: string; amount: number | ''; currency: string; note: string };

type CostDialogProps = {
  campaignId: string;
  opened: boolean;
  onClose: () => void;
  /** The entry to edit; none to add one. */
  cost?: CampaignCost | null;
  defaultCurrency: string;
};

/** Amounts are typed in major units (12.50) and stored in minor units (1250) of the currency. */
export function CostDialog({ campaignId, opened, onClose, cost, defaultCurrency }: CostDialogProps) {
  const save = useSaveCost(campaignId);
  const [draft, setDraft] = useState<Draft>({ date: '', amount: '', currency: defaultCurrency, note: '' });
  useEffect(() => {
    if (!opened) return;
    save.reset();
    setDraft(
      cost
        ? {
            date: cost.date,
            amount: toMajor(cost.amount, cost.currency),
            currency: cost.currency,
            note: cost.note ?? '',
          }
        : { date: new Date().toISOString().slice(0, 10), amount: '', currency: defaultCurrency, note: '' },
    );
  }, [opened, cost, defaultCurrency, save.reset]);
  const error = save.error instanceof ApiError ? save.error : null;
  const digits = minorDigits(draft.currency);
  const minor = draft.amount === '' ? null : toMinor(draft.amount, draft.currency);

  return (
    <Modal opened={opened} onClose={onClose} title={cost ? 'Edit cost entry' : 'Add a cost entry'} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (minor === null || !draft.date) return;
          save.mutate(
            {
              costId: cost?.id,
              input: {
                date: draft.date,
                amount: minor,
                currency: draft.currency,
                note: draft.note.trim() || null,
              },
            },
            {
              onSuccess: (c) => {
                notifications.show({
                  color: 'green',
                  message: `${cost ? 'Saved' : 'Added'} ${formatMoney(c.amount, c.currency)} on ${formatDay(c.date)}`,
                });
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <ErrorAlert
            error={error && error.details.length === 0 ? error : null}
            title="The cost was not saved"
          />
          <TextInput
            type="date"
            label="Date"
            required
            value={draft.date}
            onChange={(e) => setDraft({ ...draft, date: e.currentTarget.value })}
            error={error?.fieldError('date')}
          />
          <SimpleGrid cols={2}>
            <NumberInput
              label="Amount"
              description="A negative amount records a credit"
              required
              decimalScale={digits}
              fixedDecimalScale={false}
              thousandSeparator=","
              value={draft.amount}
              onChange={(v) =>
                setDraft({ ...draft, amount: typeof v === 'number' ? v : v === '' ? '' : Number(v) })
              }
              error={error?.fieldError('amount')}
            />
            <Select
              label="Currency"
              required
              searchable
              data={allCurrencies}
              value={draft.currency}
              onChange={(v) => v && setDraft({ ...draft, currency: v })}
              allowDeselect={false}
              error={error?.fieldError('currency')}
            />
          </SimpleGrid>
          <TextInput
            label="Note"
            placeholder="e.g. LinkedIn invoice 2026-10"
            maxLength={500}
            value={draft.note}
            onChange={(e) => setDraft({ ...draft, note: e.currentTarget.value })}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} disabled={minor === null || !draft.date}>
              {cost ? 'Save' : 'Add cost'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
