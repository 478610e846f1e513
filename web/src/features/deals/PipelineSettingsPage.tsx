import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowDown, IconArrowLeft, IconArrowUp, IconPlus, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  defaultLostReasons,
  type LostReason,
  type Pipeline,
  type PipelineStageInput,
  type StageKind,
  stageKinds,
} from '../../../../contracts/deals.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { useDeletePipeline, usePipelines, useSavePipeline } from './api.ts';

type StageDraft = PipelineStageInput & { key: string; dealCount: number };
type Draft = { name: string; stages: StageDraft[]; lostReasons: LostReason[] };

const kindLabels: Record<StageKind, string> = { open: 'Open', won: 'Won', lost: 'Lost' };
let keys = 0;
const key = () => `s${++keys}`;

function draftOf(p: Pipeline | null): Draft {
  if (!p)
    return {
      name: '',
      stages: [
        { key: key(), name: 'Qualified', probability: 10, kind: 'open', dealCount: 0 },
        { key: key(), name: 'Proposal', probability: 50, kind: 'open', dealCount: 0 },
        { key: key(), name: 'Won', probability: 100, kind: 'won', dealCount: 0 },
        { key: key(), name: 'Lost', probability: 0, kind: 'lost', dealCount: 0 },
      ],
      lostReasons: defaultLostReasons,
    };
  return {
    name: p.name,
    stages: p.stages.map((s) => ({
      key: s.id,
      id: s.id,
      name: s.name,
      probability: s.probability,
      kind: s.kind,
      dealCount: s.dealCount,
    })),
    lostReasons: p.lostReasons,
  };
}

/** Pipelines and their stages: add, rename, reorder, delete empty stages; lost reasons; the default. */
export function PipelineSettingsPage() {
  const pipelines = usePipelines();
  const [params, setParams] = useSearchParams();
  const list = pipelines.data?.data ?? [];
  const selected = params.get('id') ?? list.find((p) => p.isDefault)?.id ?? list[0]?.id ?? null;
  const creating = params.get('id') === 'new';
  const pipeline = creating ? null : (list.find((p) => p.id === selected) ?? null);
  return (
    <>
      <Anchor component={Link} to="/pipeline" size="sm" c="dimmed">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Pipeline
        </Group>
      </Anchor>
      <PageHeader
        title="Pipeline settings"
        description="Stages in board order, each with its win probability (the weighted forecast uses it). A pipeline has exactly one won and one lost stage; a stage that holds deals cannot be deleted."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            variant="default"
            onClick={() => setParams({ id: 'new' })}
          >
            New pipeline
          </Button>
        }
      />
      <ErrorAlert error={pipelines.error} title="Pipelines could not be loaded" />
      {pipelines.isPending ? (
        <Skeleton h={420} radius="md" />
      ) : (
        <Stack>
          {creating ? null : (
            <Select
              label="Pipeline"
              w={280}
              data={list.map((p) => ({ value: p.id, label: p.isDefault ? `${p.name} (default)` : p.name }))}
              value={selected}
              onChange={(v) => v && setParams({ id: v })}
              allowDeselect={false}
            />
          )}
          <Editor
            key={creating ? 'new' : (pipeline?.id ?? 'none')}
            pipeline={pipeline}
            onSaved={(p) => setParams({ id: p.id })}
            onDeleted={() => setParams({})}
          />
        </Stack>
      )}
    </>
  );
}

function Editor({
  pipeline,
  onSaved,
  onDeleted,
}: {
  pipeline: Pipeline | null;
  onSaved: (p: Pipeline) => void;
  onDeleted: () => void;
}) {
  const save = useSavePipeline();
  const remove = useDeletePipeline();
  const [draft, setDraft] = useState<Draft>(() => draftOf(pipeline));
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => setDraft(draftOf(pipeline)), [pipeline]);
  const error = save.error instanceof ApiError ? save.error : null;
  const fieldError = (field: string) => error?.details.find((d) => d.field === field)?.message;
  const stagesError = error?.details.filter((d) => d.field === 'stages').map((d) => d.message);
  const setStage = (i: number, patch: Partial<StageDraft>) =>
    setDraft({ ...draft, stages: draft.stages.map((s, k) => (k === i ? { ...s, ...patch } : s)) });
  const moveStage = (i: number, by: number) => {
    const stages = [...draft.stages];
    const [s] = stages.splice(i, 1);
    stages.splice(i + by, 0, s!);
    setDraft({ ...draft, stages });
  };
  const deals = pipeline?.stages.reduce((n, s) => n + s.dealCount, 0) ?? 0;

  function submit() {
    const stages = draft.stages.map(({ id, name, probability, kind }) => ({
      ...(id ? { id } : {}),
      name,
      probability,
      kind,
    }));
    save.mutate(
      {
        id: pipeline?.id,
        input: { name: draft.name.trim(), stages, lostReasons: draft.lostReasons },
      },
      {
        onSuccess: (p) => {
          notifications.show({ color: 'green', message: `${p.name} saved` });
          onSaved(p);
        },
      },
    );
  }

  return (
    <Paper withBorder radius="md" p="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="lg">
          <Group align="flex-end" justify="space-between">
            <TextInput
              label="Pipeline name"
              required
              maxLength={100}
              w={320}
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
              error={fieldError('name')}
            />
            {pipeline ? (
              <Group gap="xs">
                {pipeline.isDefault ? (
                  <Badge variant="light">Default pipeline</Badge>
                ) : (
                  <Button
                    variant="default"
                    size="xs"
                    loading={save.isPending}
                    onClick={() =>
                      save.mutate(
                        { id: pipeline.id, input: { isDefault: true } },
                        { onSuccess: (p) => notifications.show({ message: `${p.name} is the default now` }) },
                      )
                    }
                  >
                    Make default
                  </Button>
                )}
                <Tooltip
                  label={pipeline.isDefault ? 'The default pipeline stays' : `It has ${deals} deal(s)`}
                  disabled={!pipeline.isDefault && deals === 0}
                >
                  <Button
                    variant="light"
                    color="red"
                    size="xs"
                    leftSection={<IconTrash size={14} />}
                    disabled={pipeline.isDefault || deals > 0}
                    onClick={() => setConfirmDelete(true)}
                  >
                    Delete pipeline
                  </Button>
                </Tooltip>
              </Group>
            ) : null}
          </Group>

          <div>
            <Title order={4} mb="xs">
              Stages
            </Title>
            {stagesError && stagesError.length > 0 ? (
              <Text size="sm" c="red" mb="xs" role="alert">
                Stages: {stagesError.join('; ')}
              </Text>
            ) : null}
            <Table verticalSpacing={6} aria-label="Stages">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>Order</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={140}>Probability</Table.Th>
                  <Table.Th w={130}>Kind</Table.Th>
                  <Table.Th w={80}>Deals</Table.Th>
                  <Table.Th w={50} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {draft.stages.map((s, i) => (
                  <Table.Tr key={s.key} data-testid="stage-row">
                    <Table.Td>
                      <Group gap={2} wrap="nowrap">
                        <ActionIcon
                          variant="subtle"
                          size="sm"
                          aria-label={`Move ${s.name || 'stage'} up`}
                          disabled={i === 0}
                          onClick={() => moveStage(i, -1)}
                        >
                          <IconArrowUp size={14} />
                        </ActionIcon>
                        <ActionIcon
                          variant="subtle"
                          size="sm"
                          aria-label={`Move ${s.name || 'stage'} down`}
                          disabled={i === draft.stages.length - 1}
                          onClick={() => moveStage(i, 1)}
                        >
                          <IconArrowDown size={14} />
                        </ActionIcon>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        aria-label={`Stage ${i + 1} name`}
                        required
                        maxLength={100}
                        value={s.name}
                        onChange={(e) => setStage(i, { name: e.currentTarget.value })}
                        error={fieldError(`stages.${i}.name`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <NumberInput
                        aria-label={`Stage ${i + 1} probability`}
                        min={0}
                        max={100}
                        suffix=" %"
                        allowDecimal={false}
                        clampBehavior="strict"
                        value={s.probability}
                        onChange={(v) => setStage(i, { probability: typeof v === 'number' ? v : 0 })}
                        error={fieldError(`stages.${i}.probability`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Stage ${i + 1} kind`}
                        data={stageKinds.map((k) => ({ value: k, label: kindLabels[k] }))}
                        value={s.kind}
                        onChange={(v) =>
                          v &&
                          setStage(i, {
                            kind: v as StageKind,
                            ...(v === 'won' ? { probability: 100 } : v === 'lost' ? { probability: 0 } : {}),
                          })
                        }
                        allowDeselect={false}
                        disabled={s.dealCount > 0}
                        error={fieldError(`stages.${i}.kind`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{s.dealCount}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip
                        label={
                          s.dealCount > 0
                            ? 'Move its deals first'
                            : s.kind !== 'open' && draft.stages.filter((x) => x.kind === s.kind).length === 1
                              ? `A pipeline keeps one ${s.kind} stage`
                              : 'Delete stage'
                        }
                      >
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Delete stage ${s.name || i + 1}`}
                          disabled={
                            s.dealCount > 0 ||
                            (s.kind !== 'open' && draft.stages.filter((x) => x.kind === s.kind).length === 1)
                          }
                          onClick={() =>
                            setDraft({ ...draft, stages: draft.stages.filter((_, k) => k !== i) })
                          }
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Button
              mt="xs"
              size="xs"
              variant="light"
              leftSection={<IconPlus size={14} />}
              onClick={() => {
                const stages = [...draft.stages];
                // New stages go before the won and lost stages.
                const at = stages.findIndex((s) => s.kind !== 'open');
                stages.splice(at === -1 ? stages.length : at, 0, {
                  key: key(),
                  name: '',
                  probability: 50,
                  kind: 'open',
                  dealCount: 0,
                });
                setDraft({ ...draft, stages });
              }}
            >
              Add stage
            </Button>
          </div>

          <div>
            <Title order={4} mb={4}>
              Lost reasons
            </Title>
            <Text size="sm" c="dimmed" mb="xs">
              A lost deal names one of these; reports count them. Codes are stable ids (a–z, 0–9, _).
            </Text>
            <Stack gap={6}>
              {draft.lostReasons.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; codes change as typed
                <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
                  <TextInput
                    aria-label={`Reason ${i + 1} code`}
                    w={180}
                    value={r.code}
                    onChange={(e) =>
                      setDraft({
                        ...draft,
                        lostReasons: draft.lostReasons.map((x, k) =>
                          k === i ? { ...x, code: e.currentTarget.value.toLowerCase() } : x,
                        ),
                      })
                    }
                    error={fieldError(`lostReasons.${i}.code`)}
                  />
                  <TextInput
                    aria-label={`Reason ${i + 1} label`}
                    style={{ flex: 1 }}
                    value={r.label}
                    onChange={(e) =>
                      setDraft({
                        ...draft,
                        lostReasons: draft.lostReasons.map((x, k) =>
                          k === i ? { ...x, label: e.currentTarget.value } : x,
                        ),
                      })
                    }
                    error={fieldError(`lostReasons.${i}.label`)}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    mt={4}
                    aria-label={`Delete reason ${r.label || i + 1}`}
                    disabled={draft.lostReasons.length <= 1}
                    onClick={() =>
                      setDraft({ ...draft, lostReasons: draft.lostReasons.filter((_, k) => k !== i) })
                    }
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
            <Button
              mt="xs"
              size="xs"
              variant="light"
              leftSection={<IconPlus size={14} />}
              onClick={() =>
                setDraft({ ...draft, lostReasons: [...draft.lostReasons, { code: '', label: '' }] })
              }
            >
              Add reason
            </Button>
          </div>

          <ErrorAlert error={save.error} title="The pipeline was not saved" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDraft(draftOf(pipeline))} disabled={save.isPending}>
              Discard changes
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!draft.name.trim()}>
              {pipeline ? 'Save pipeline' : 'Create pipeline'}
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title="Delete this pipeline?"
        centered
      >
        <Stack>
          <Text size="sm">{pipeline?.name} and its stages are removed. It has no deals.</Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                pipeline &&
                remove.mutate(pipeline.id, {
                  onSuccess: () => {
                    notifications.show({ message: `${pipeline.name} deleted` });
                    setConfirmDelete(false);
                    onDeleted();
                  },
                })
              }
            >
              Delete pipeline
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
