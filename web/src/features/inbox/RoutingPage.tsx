import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Skeleton,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import '@mantine/dates/styles.css';
import { notifications } from '@mantine/notifications';
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { Filter } from '../../../../contracts/filters.ts';
import {
  type BusinessHours,
  type Rep,
  type RuleInput,
  routingStrategies,
  slaActions,
  strategyLabels,
  type Team,
  weekdays,
} from '../../../../contracts/routing.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFilterCatalog } from '../../components/filters/api.ts';
import { FilterBuilder } from '../../components/filters/FilterBuilder.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import {
  useHours,
  usePatchRep,
  useReps,
  useRules,
  useSaveHours,
  useSaveRules,
  useSaveTeam,
  useTeams,
} from './api.ts';

const slaActionLabels: Record<(typeof slaActions)[number], string> = {
  escalate: 'Escalate to the manager',
  reassign: 'Reassign to the next rep',
  escalate_reassign: 'Escalate and reassign',
};

function TeamModal({ team, reps, onClose }: { team: Team | 'new' | null; reps: Rep[]; onClose: () => void }) {
  const save = useSaveTeam();
  const [name, setName] = useState('');
  const [managerId, setManagerId] = useState<string | null>(null);
  const [members, setMembers] = useState<{ userId: string; weight: number }[]>([]);
  useEffect(() => {
    if (team && team !== 'new') {
      setName(team.name);
      setManagerId(team.managerId);
      setMembers(team.members.map((m) => ({ userId: m.userId, weight: m.weight })));
    } else {
      setName('');
      setManagerId(null);
      setMembers([]);
    }
    save.reset();
  }, [team, save.reset]);
  const people = reps.map((r) => ({ value: r.userId, label: `${r.name} (${r.role.replace('_', ' ')})` }));
  return (
    <Modal
      opened={team !== null}
      onClose={onClose}
      title={team === 'new' ? 'New team' : 'Edit team'}
      size="lg"
    >
      <Stack>
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Select
          label="Manager"
          description="Gets escalations when the SLA passes"
          data={people}
          value={managerId}
          onChange={setManagerId}
          clearable
          searchable
        />
        <MultiSelect
          label="Members"
          description="The pool routing rules send leads to"
          data={people}
          value={members.map((m) => m.userId)}
          onChange={(ids) =>
            setMembers(ids.map((id) => members.find((m) => m.userId === id) ?? { userId: id, weight: 1 }))
          }
          searchable
        />
        {members.length > 0 ? (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Member</Table.Th>
                <Table.Th w={140}>Round-robin weight</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.map((m) => (
                <Table.Tr key={m.userId}>
                  <Table.Td>{reps.find((r) => r.userId === m.userId)?.name ?? m.userId}</Table.Td>
                  <Table.Td>
                    <NumberInput
                      size="xs"
                      min={1}
                      max={100}
                      value={m.weight}
                      onChange={(v) =>
                        setMembers(
                          members.map((x) => (x.userId === m.userId ? { ...x, weight: Number(v) || 1 } : x)),
                        )
                      }
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        <ErrorAlert error={save.error} title="Could not save the team" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            loading={save.isPending}
            onClick={() =>
              save.mutate(
                { id: team && team !== 'new' ? team.id : undefined, input: { name, managerId, members } },
                { onSuccess: onClose },
              )
            }
          >
            Save team
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function TeamsTab() {
  const teams = useTeams();
  const reps = useReps();
  const [editing, setEditing] = useState<Team | 'new' | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          A team is a pool of reps with a manager. Members who stay keep their place in the round-robin when
          you edit it.
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')}>
          New team
        </Button>
      </Group>
      {teams.isPending ? (
        <Skeleton h={120} />
      ) : (
        <Table striped highlightOnHover withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Team</Table.Th>
              <Table.Th>Manager</Table.Th>
              <Table.Th>Members</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(teams.data?.data ?? []).map((t) => (
              <Table.Tr key={t.id} onClick={() => setEditing(t)} style={{ cursor: 'pointer' }}>
                <Table.Td fw={600}>{t.name}</Table.Td>
                <Table.Td>{t.managerName ?? '—'}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {t.members.map((m) => (
                      <Badge key={m.userId} variant="light">
                        {m.name}
                        {m.weight > 1 ? ` ×${m.weight}` : ''}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <TeamModal team={editing} reps={reps.data?.data ?? []} onClose={() => setEditing(null)} />
    </Stack>
  );
}

type Draft = RuleInput & { key: string };

function RulesTab() {
  const rules = useRules();
  const teams = useTeams();
  const reps = useReps();
  const catalog = useFilterCatalog();
  const save = useSaveRules();
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  useEffect(() => {
    if (rules.data && drafts === null)
      setDrafts(
        rules.data.data.map((r) => ({
          key: r.id,
          id: r.id,
          name: r.name,
          condition: r.condition,
          isDefault: r.isDefault,
          active: r.active,
          teamId: r.teamId,
          strategy: r.strategy,
          ownerId: r.ownerId,
          slaMinutes: r.slaMinutes,
          slaAction: r.slaAction,
        })),
      );
  }, [rules.data, drafts]);
  if (!drafts || !catalog.data) return <Skeleton h={200} />;
  const set = (i: number, patch: Partial<Draft>) =>
    setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const move = (i: number, by: number) => {
    const next = [...drafts];
    const [d] = next.splice(i, 1);
    next.splice(i + by, 0, d!);
    setDrafts(next);
  };
  const teamOptions = (teams.data?.data ?? []).map((t) => ({ value: t.id, label: t.name }));
  const people = (reps.data?.data ?? []).map((r) => ({ value: r.userId, label: r.name }));
  return (
    <Stack>
      <Text c="dimmed" size="sm">
        Rules are tried in order; the first whose condition matches routes the lead. The default rule takes
        every lead no other rule matched.
      </Text>
      {drafts.map((d, i) => (
        <Card key={d.key} withBorder radius="md" data-testid="rule">
          <Group justify="space-between" mb="sm">
            <Group>
              <Badge variant="light">{d.isDefault ? 'Default' : `#${i + 1}`}</Badge>
              <TextInput
                aria-label="Rule name"
                value={d.name}
                onChange={(e) => set(i, { name: e.currentTarget.value })}
              />
              <Switch
                label="Active"
                checked={d.active !== false}
                onChange={(e) => set(i, { active: e.currentTarget.checked })}
              />
            </Group>
            <Group gap={4}>
              <ActionIcon
                variant="subtle"
                aria-label="Move up"
                disabled={i === 0 || d.isDefault}
                onClick={() => move(i, -1)}
              >
                <IconArrowUp size={16} />
              </ActionIcon>
              <ActionIcon
                variant="subtle"
                aria-label="Move down"
                disabled={i === drafts.length - 1 || d.isDefault}
                onClick={() => move(i, 1)}
              >
                <IconArrowDown size={16} />
              </ActionIcon>
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label="Remove rule"
                onClick={() => setDrafts(drafts.filter((_, j) => j !== i))}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          </Group>
          {d.isDefault ? null : (
            <Paper withBorder p="sm" mb="sm" bg="var(--mantine-color-gray-0)">
              <Text size="xs" fw={700} c="dimmed" mb={4}>
                WHEN
              </Text>
              <FilterBuilder
                value={(d.condition as Filter) ?? { all: [] }}
                onChange={(f) => set(i, { condition: f })}
                catalog={catalog.data}
              />
            </Paper>
          )}
          <Group grow align="flex-end">
            <Select
              label="Strategy"
              data={routingStrategies.map((s) => ({ value: s, label: strategyLabels[s] }))}
              value={d.strategy}
              onChange={(v) => v && set(i, { strategy: v as Draft['strategy'] })}
              allowDeselect={false}
            />
            <Select
              label="Team"
              data={teamOptions}
              value={d.teamId ?? null}
              onChange={(v) => set(i, { teamId: v })}
              clearable
            />
            {d.strategy === 'owner' ? (
              <Select
                label="Owner"
                data={people}
                value={d.ownerId ?? null}
                onChange={(v) => set(i, { ownerId: v })}
                searchable
              />
            ) : null}
            <NumberInput
              label="Accept within (business minutes)"
              min={1}
              value={d.slaMinutes ?? ''}
              onChange={(v) => set(i, { slaMinutes: v === '' ? null : Number(v) })}
            />
            <Select
              label="When the SLA passes"
              data={slaActions.map((a) => ({ value: a, label: slaActionLabels[a] }))}
              value={d.slaAction ?? 'escalate'}
              onChange={(v) => v && set(i, { slaAction: v as Draft['slaAction'] })}
              allowDeselect={false}
            />
          </Group>
        </Card>
      ))}
      <Group>
        <Button
          variant="default"
          leftSection={<IconPlus size={16} />}
          onClick={() => {
            const rule: Draft = {
              key: `new-${Date.now()}`,
              name: 'New rule',
              condition: { all: [] },
              strategy: 'round_robin',
              active: true,
              slaAction: 'escalate',
            };
            const at = drafts.findIndex((d) => d.isDefault);
            setDrafts(at < 0 ? [...drafts, rule] : [...drafts.slice(0, at), rule, ...drafts.slice(at)]);
          }}
        >
          Add rule
        </Button>
        {drafts.some((d) => d.isDefault) ? null : (
          <Button
            variant="default"
            onClick={() =>
              setDrafts([
                ...drafts,
                {
                  key: `default-${Date.now()}`,
                  name: 'Everyone else',
                  isDefault: true,
                  strategy: 'round_robin',
                  active: true,
                  slaAction: 'escalate',
                },
              ])
            }
          >
            Add default rule
          </Button>
        )}
      </Group>
      <ErrorAlert error={save.error} title="Could not save the rules" />
      <Group justify="flex-end">
        <Button
          loading={save.isPending}
          onClick={() =>
            save.mutate(
              drafts.map(({ key: _key, ...r }) => ({ ...r, condition: r.isDefault ? null : r.condition })),
              {
                onSuccess: () => {
                  setDrafts(null);
                  notifications.show({ color: 'teal', message: 'Routing rules saved' });
                },
              },
            )
          }
        >
          Save rules
        </Button>
      </Group>
    </Stack>
  );
}

function RepsTab() {
  const reps = useReps();
  const patch = usePatchRep();
  return (
    <Stack>
      <Text c="dimmed" size="sm">
        Reps out of office or at capacity are skipped by routing. Capacity is the most open leads (MQL to
        opportunity) a rep holds.
      </Text>
      <ErrorAlert error={patch.error} title="Could not save" />
      <Table withTableBorder striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rep</Table.Th>
            <Table.Th>Teams</Table.Th>
            <Table.Th>Open leads</Table.Th>
            <Table.Th w={200}>Out of office until</Table.Th>
            <Table.Th w={140}>Capacity</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(reps.data?.data ?? []).map((r) => (
            <Table.Tr key={r.userId}>
              <Table.Td>
                <Text fw={600} size="sm">
                  {r.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {r.email}
                </Text>
              </Table.Td>
              <Table.Td>{r.teams.join(', ') || '—'}</Table.Td>
              <Table.Td>{r.openLeads}</Table.Td>
              <Table.Td>
                <DatePickerInput
                  size="xs"
                  clearable
                  placeholder="Available"
                  value={r.outUntil ? r.outUntil.slice(0, 10) : null}
                  onChange={(v) =>
                    patch.mutate({
                      userId: r.userId,
                      patch: { outUntil: v ? new Date(`${v}T00:00:00`).toISOString() : null },
                    })
                  }
                />
              </Table.Td>
              <Table.Td>
                <NumberInput
                  size="xs"
                  min={0}
                  placeholder="No limit"
                  defaultValue={r.capacity ?? ''}
                  onBlur={(e) => {
                    const v = e.currentTarget.value.trim();
                    const capacity = v === '' ? null : Number(v);
                    if (capacity !== r.capacity) patch.mutate({ userId: r.userId, patch: { capacity } });
                  }}
                />
              </Table.Td>
              <Table.Td>
                <Badge color={r.available ? 'teal' : 'gray'} variant="light">
                  {r.available ? 'Available' : r.outUntil ? 'Out of office' : 'At capacity'}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function HoursTab() {
  const hours = useHours();
  const save = useSaveHours();
  const [draft, setDraft] = useState<BusinessHours | null>(null);
  useEffect(() => {
    if (hours.data && !draft) setDraft(hours.data);
  }, [hours.data, draft]);
  if (!draft) return <Skeleton h={200} />;
  const setDay = (d: (typeof weekdays)[number], v: { start: string; end: string } | null) =>
    setDraft({ ...draft, days: { ...draft.days, [d]: v } });
  return (
    <Stack maw={560}>
      <Text c="dimmed" size="sm">
        SLAs count only minutes inside these hours, in this time zone.
      </Text>
      <TextInput
        label="Time zone"
        description="IANA name, e.g. Europe/Berlin"
        value={draft.timeZone}
        onChange={(e) => setDraft({ ...draft, timeZone: e.currentTarget.value })}
      />
      {weekdays.map((d) => {
        const w = draft.days[d];
        return (
          <Group key={d} align="flex-end">
            <Switch
              w={90}
              label={d.toUpperCase()}
              checked={w !== null}
              onChange={(e) => setDay(d, e.currentTarget.checked ? { start: '09:00', end: '17:00' } : null)}
            />
            <TextInput
              aria-label={`${d} opens`}
              w={100}
              disabled={!w}
              value={w?.start ?? ''}
              onChange={(e) => w && setDay(d, { ...w, start: e.currentTarget.value })}
            />
            <Text>–</Text>
            <TextInput
              aria-label={`${d} closes`}
              w={100}
              disabled={!w}
              value={w?.end ?? ''}
              onChange={(e) => w && setDay(d, { ...w, end: e.currentTarget.value })}
            />
          </Group>
        );
      })}
      <ErrorAlert error={save.error} title="Could not save business hours" />
      <Group>
        <Button
          loading={save.isPending}
          onClick={() =>
            save.mutate(draft, {
              onSuccess: () => notifications.show({ color: 'teal', message: 'Business hours saved' }),
            })
          }
        >
          Save hours
        </Button>
      </Group>
    </Stack>
  );
}

export function RoutingPage() {
  return (
    <>
      <PageHeader
        title="Routing"
        description="Who gets which qualified lead, how fast they must accept it, and what happens when they do not."
      />
      <Tabs defaultValue="rules" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="rules">Rules</Tabs.Tab>
          <Tabs.Tab value="teams">Teams</Tabs.Tab>
          <Tabs.Tab value="reps">Availability &amp; capacity</Tabs.Tab>
          <Tabs.Tab value="hours">Business hours</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="rules">
          <RulesTab />
        </Tabs.Panel>
        <Tabs.Panel value="teams">
          <TeamsTab />
        </Tabs.Panel>
        <Tabs.Panel value="reps">
          <RepsTab />
        </Tabs.Panel>
        <Tabs.Panel value="hours">
          <HoursTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
