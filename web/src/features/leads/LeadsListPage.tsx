import {
  Anchor,
  Button,
  Code,
  EmptyState,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFileImport, IconPlus, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { type LifecycleStage, lifecycleStages, stageLabels } from '../../../../contracts/leads.ts';
import { leadScopeLabel, roleCan, salesStages } from '../../../../contracts/permissions.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { leadName } from '../../components/leads/format.ts';
import { LeadList } from '../../components/leads/LeadList.tsx';
import { useUrlListState } from '../../components/leads/listState.ts';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { useCreateLead } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { useSession } from '../auth/api.ts';
import { canDeleteLeads, useOwnerRule } from './api.ts';

export function LeadsListPage() {
  const [state, setState] = useUrlListState('leadloop:leads');
  const [adding, setAdding] = useState(false);
  const role = useSession().data?.role;
  // Sales people see their own leads (and their teams'): the title says whose these are.
  const scope = leadScopeLabel(role);
  const mayImport = roleCan(role, 'importLeads');
  const sales = role === 'sales_rep' || role === 'sales_manager';

  return (
    <>
      <PageHeader
        title={scope.title}
        description={scope.description}
        actions={
          <>
            {mayImport ? (
              <Button
                variant="default"
                component={Link}
                to="/leads/import"
                leftSection={<IconFileImport size={16} />}
              >
                Import
              </Button>
            ) : null}
            <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
              New lead
            </Button>
          </>
        }
      />
      <LeadList
        state={state}
        onChange={setState}
        viewsResource="leads"
        withStats
        canDelete={canDeleteLeads(role)}
        label={scope.title}
        totalLabel={sales ? `All ${scope.title.toLowerCase()}` : undefined}
        empty={
          sales ? (
            <EmptyState
              p="xl"
              icon={<IconUsersGroup size={22} />}
              title={role === 'sales_rep' ? 'No leads of yours yet' : 'No leads in your teams yet'}
              description="Qualified leads routed to you, your team's queue and the leads you add yourself show up here."
            >
              <EmptyState.Actions>
                <Group justify="center">
                  <Button component={Link} to="/inbox" variant="default">
                    Open the inbox
                  </Button>
                  <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
                    Add a lead
                  </Button>
                </Group>
              </EmptyState.Actions>
            </EmptyState>
          ) : (
            <EmptyState
              p="xl"
              icon={<IconUsersGroup size={22} />}
              title="No leads yet"
              description="Bring in the people you already know, then let forms and the API add the rest."
            >
              <EmptyState.Actions>
                <Stack align="center" gap="sm">
                  <Group justify="center">
                    {mayImport ? (
                      <Button component={Link} to="/leads/import" leftSection={<IconFileImport size={16} />}>
                        Import a CSV
                      </Button>
                    ) : null}
                    <Button
                      variant="default"
                      leftSection={<IconPlus size={16} />}
                      onClick={() => setAdding(true)}
                    >
                      Add a lead
                    </Button>
                  </Group>
                  <Text size="sm" c="dimmed" ta="center">
                    Or send them from your systems: <Code>POST /api/v1/leads</Code> with an{' '}
                    <Anchor component={Link} to="/settings/api-keys" size="sm">
                      API key
                    </Anchor>{' '}
                    (
                    <Anchor href="/api/docs/" target="_blank" rel="noreferrer" size="sm">
                      reference
                    </Anchor>
                    ).
                  </Text>
                </Stack>
              </EmptyState.Actions>
            </EmptyState>
          )
        }
      />
      <NewLeadModal opened={adding} onClose={() => setAdding(false)} />
    </>
  );
}

type NewLeadModalProps = { opened: boolean; onClose: () => void };

type Draft = {
  email: string;
  firstName: string;
  lastName: string;
  companyName: string;
  jobTitle: string;
  phone: string;
  country: string;
  companySize: number | '';
  lifecycleStage: LifecycleStage;
  ownerId: string | null;
};

const emptyDraft: Draft = {
  email: '',
  firstName: '',
  lastName: '',
  companyName: '',
  jobTitle: '',
  phone: '',
  country: '',
  companySize: '',
  lifecycleStage: 'lead',
  ownerId: null,
};

/**
 * Adds one lead by hand. The API matches on email: an existing person is updated, not doubled.
 * Sales people own what they add (reps always, managers unless they give it to their team).
 */
function NewLeadModal({ opened, onClose }: NewLeadModalProps) {
  const create = useCreateLead();
  const navigate = useNavigate();
  const user = useSession().data;
  const owners = useOwnerRule(user);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const ownerId = draft.ownerId ?? owners.defaultOwner;
  // Marketing hands leads off at MQL: the sales stages are not offered.
  const stages = lifecycleStages.filter((s) => user?.role !== 'marketing' || !salesStages.includes(s));
  const error = create.error instanceof ApiError ? create.error : null;
  const done = () => {
    setDraft(emptyDraft);
    create.reset();
    onClose();
  };
  const text = (key: keyof Draft, label: string, extra: { type?: string; required?: boolean } = {}) => (
    <TextInput
      label={label}
      type={extra.type}
      required={extra.required}
      value={String(draft[key] ?? '')}
      onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
      error={error?.fieldError(key)}
    />
  );
  return (
    <Modal opened={opened} onClose={done} title="New lead" centered size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const blankless = Object.fromEntries(
            Object.entries(draft).filter(([, v]) => v !== '' && v !== null),
          ) as Partial<Draft>;
          create.mutate(
            {
              ...blankless,
              ownerId: ownerId ?? undefined,
              companySize: draft.companySize === '' ? undefined : draft.companySize,
            },
            {
              onSuccess: (lead) => {
                notifications.show({ color: 'green', message: `${leadName(lead)} is in your leads` });
                done();
                navigate(`/leads/${encodeURIComponent(lead.id)}`);
              },
            },
          );
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            {owners.defaultOwner
              ? 'If this email is already one of your leads, the values you enter are added to it; a new lead is yours.'
              : 'If someone with this email is already a lead, the values you enter are added to that lead.'}
          </Text>
          <ErrorAlert error={error && error.details.length === 0 ? error : null} />
          {text('email', 'Email', { type: 'email', required: true })}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {text('firstName', 'First name')}
            {text('lastName', 'Last name')}
            {text('companyName', 'Company')}
            {text('jobTitle', 'Job title')}
            {text('phone', 'Phone')}
            {text('country', 'Country')}
            <NumberInput
              label="Company size (employees)"
              min={0}
              allowDecimal={false}
              value={draft.companySize}
              onChange={(v) => setDraft({ ...draft, companySize: typeof v === 'number' ? v : '' })}
              error={error?.fieldError('companySize')}
            />
            <Select
              label="Lifecycle stage"
              data={stages.map((s) => ({ value: s, label: stageLabels[s] }))}
              value={draft.lifecycleStage}
              onChange={(v) => v && setDraft({ ...draft, lifecycleStage: v as LifecycleStage })}
              allowDeselect={false}
            />
            <OwnerSelect
              label="Owner"
              value={ownerId}
              onChange={(next) => setDraft({ ...draft, ownerId: next })}
              only={owners.only}
              allowUnassigned={owners.unassigned}
              lockedReason={owners.lockedReason}
              error={error?.fieldError('ownerId')}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={done}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add lead
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
