import {
  Anchor,
  Button,
  DataList,
  EmptyState,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconBuilding, IconPencil, IconUsersGroup } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LeadList } from '../../components/leads/LeadList.tsx';
import { useLocalListState } from '../../components/leads/listState.ts';
import { OwnerSelect } from '../../components/leads/OwnerSelect.tsx';
import { useDirectory } from '../../components/leads/queries.ts';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { canDeleteLeads } from '../leads/api.ts';
import { type Company, type CompanyPatch, useCompany, useUpdateCompany } from './api.ts';

const companyColumns = ['email', 'jobTitle', 'lifecycleStage', 'ownerId', 'createdAt'];

export function CompanyPage() {
  const { id = '' } = useParams();
  const company = useCompany(id);
  const role = useSession().data?.role;
  const [list, setList] = useLocalListState({ columns: companyColumns, limit: 25 });

  if (company.isPending) {
    return (
      <Stack>
        <Skeleton h={28} w={120} />
        <Skeleton h={160} />
        <Skeleton h={240} />
      </Stack>
    );
  }
  if (company.error || !company.data) {
    return (
      <Stack>
        <BackLink />
        <ErrorAlert
          error={company.error}
          title={
            company.error instanceof ApiError && company.error.status === 404
              ? 'Company not found'
              : undefined
          }
        />
      </Stack>
    );
  }
  const c = company.data;
  return (
    <Stack gap="lg">
      <BackLink />
      <Group gap="sm" wrap="nowrap">
        <IconBuilding size={28} style={{ flexShrink: 0 }} />
        <div style={{ minWidth: 0 }}>
          <Title order={2} style={{ wordBreak: 'break-word' }}>
            {c.name ?? c.domain}
          </Title>
          <Text size="sm" c="dimmed">
            {c.domain} · {formatNumber(c.leadCount)} {c.leadCount === 1 ? 'lead' : 'leads'}
          </Text>
        </div>
      </Group>
      <CompanyCard company={c} />
      <Stack gap="sm">
        <Title order={3} size="h4">
          Leads at {c.name ?? c.domain}
        </Title>
        <LeadList
          state={list}
          onChange={setList}
          fixed={{ companyId: c.id }}
          hideColumns={['companyName']}
          canDelete={canDeleteLeads(role)}
          label={`Leads at ${c.name ?? c.domain}`}
          empty={
            <EmptyState
              p="xl"
              icon={<IconUsersGroup size={22} />}
              title="No leads at this company"
              description="Leads join a company when their email or website has its domain."
            />
          }
        />
      </Stack>
    </Stack>
  );
}

function BackLink() {
  return (
    <Anchor component={Link} to="/leads" size="sm" c="dimmed">
      <Group gap={4}>
        <IconArrowLeft size={14} /> Leads
      </Group>
    </Anchor>
  );
}

type CompanyCardProps = { company: Company };

type Draft = {
  name: string;
  industry: string;
  employees: number | '';
  country: string;
  ownerId: string | null;
};

/** The account's fields, and a form that changes them (an emptied field is cleared). */
function CompanyCard({ company }: CompanyCardProps) {
  const [editing, setEditing] = useState(false);
  const update = useUpdateCompany(company.id);
  const directory = useDirectory();
  const [draft, setDraft] = useState<Draft>(() => draftOf(company));
  const error = update.error instanceof ApiError ? update.error : null;
  const owner = company.ownerId ? directory.data?.data.find((u) => u.id === company.ownerId) : undefined;
  const shown = (v: string | null) =>
    v ? (
      <span style={{ wordBreak: 'break-word' }}>{v}</span>
    ) : (
      <Text span size="sm" c="dimmed">
        —
      </Text>
    );

  return (
    <Paper withBorder radius="md" p="lg">
      <Group justify="space-between" mb="md">
        <Title order={3} size="h4">
          Company
        </Title>
        {!editing ? (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPencil size={14} />}
            aria-label="Edit company"
            onClick={() => {
              setDraft(draftOf(company));
              update.reset();
              setEditing(true);
            }}
          >
            Edit
          </Button>
        ) : null}
      </Group>
      {editing ? (
        <form
          aria-label="Edit company"
          onSubmit={(e) => {
            e.preventDefault();
            const patch: CompanyPatch = {};
            const before = draftOf(company);
            const text = (k: 'name' | 'industry' | 'country') => {
              if (draft[k].trim() !== before[k]) patch[k] = draft[k].trim() || null;
            };
            text('name');
            text('industry');
            text('country');
            if (draft.employees !== before.employees)
              patch.employees = draft.employees === '' ? null : draft.employees;
            if (draft.ownerId !== before.ownerId) patch.ownerId = draft.ownerId;
            if (Object.keys(patch).length === 0) return setEditing(false);
            update.mutate(patch, {
              onSuccess: () => {
                notifications.show({ color: 'green', message: 'Company saved' });
                setEditing(false);
              },
            });
          }}
        >
          <Stack>
            <ErrorAlert error={error && error.details.length === 0 ? error : null} title="Not saved" />
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              <TextInput
                label="Name"
                maxLength={200}
                value={draft.name}
                onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
                error={error?.fieldError('name')}
              />
              <TextInput
                label="Industry"
                maxLength={100}
                value={draft.industry}
                onChange={(e) => setDraft({ ...draft, industry: e.currentTarget.value })}
                error={error?.fieldError('industry')}
              />
              <NumberInput
                label="Employees"
                min={0}
                allowDecimal={false}
                value={draft.employees}
                onChange={(v) => setDraft({ ...draft, employees: typeof v === 'number' ? v : '' })}
                error={error?.fieldError('employees')}
              />
              <TextInput
                label="Country"
                maxLength={100}
                value={draft.country}
                onChange={(e) => setDraft({ ...draft, country: e.currentTarget.value })}
                error={error?.fieldError('country')}
              />
              <OwnerSelect
                label="Account owner"
                value={draft.ownerId}
                onChange={(ownerId) => setDraft({ ...draft, ownerId })}
                error={error?.fieldError('ownerId')}
              />
            </SimpleGrid>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={update.isPending}>
                Save company
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
          <DataList labelWidth={140} withDivider aria-label="Company">
            <DataList.Item>
              <DataList.ItemLabel>Name</DataList.ItemLabel>
              <DataList.ItemValue>{shown(company.name)}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Domain</DataList.ItemLabel>
              <DataList.ItemValue>{company.domain}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Industry</DataList.ItemLabel>
              <DataList.ItemValue>{shown(company.industry)}</DataList.ItemValue>
            </DataList.Item>
          </DataList>
          <DataList labelWidth={140} withDivider aria-label="Company details">
            <DataList.Item>
              <DataList.ItemLabel>Employees</DataList.ItemLabel>
              <DataList.ItemValue>
                {shown(company.employees === null ? null : formatNumber(company.employees))}
              </DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Country</DataList.ItemLabel>
              <DataList.ItemValue>{shown(company.country)}</DataList.ItemValue>
            </DataList.Item>
            <DataList.Item>
              <DataList.ItemLabel>Account owner</DataList.ItemLabel>
              <DataList.ItemValue>
                {shown(company.ownerId ? (owner?.name ?? 'Unknown user') : 'Unassigned')}
              </DataList.ItemValue>
            </DataList.Item>
          </DataList>
        </SimpleGrid>
      )}
      <Text size="xs" c="dimmed" mt="md">
        Known since {formatDateTime(company.createdAt)}
      </Text>
    </Paper>
  );
}

function draftOf(c: Company): Draft {
  return {
    name: c.name ?? '',
    industry: c.industry ?? '',
    employees: c.employees ?? '',
    country: c.country ?? '',
    ownerId: c.ownerId,
  };
}
