/** Creates a segment or changes one: name, kind, and for dynamic ones the filter with a live count. */
import {
  Alert,
  Button,
  Grid,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Filter } from '../../../../contracts/filters.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCreateSegment, useFilterCatalog } from '../../components/filters/api.ts';
import { emptyFilter, FilterBuilder, hasConditions } from '../../components/filters/FilterBuilder.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatNumber } from '../../lib/format.ts';
import { useFilterCount, useSegment, useUpdateSegment } from './api.ts';

export function SegmentEditorPage() {
  const { id = '' } = useParams();
  const editing = id !== '';
  const existing = useSegment(id);
  const catalog = useFilterCatalog();
  const create = useCreateSegment();
  const update = useUpdateSegment(id);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'dynamic' | 'static'>('dynamic');
  const [filter, setFilter] = useState<Filter>(emptyFilter);
  const [loaded, setLoaded] = useState(!editing);
  useEffect(() => {
    if (editing && existing.data && !loaded) {
      setName(existing.data.name);
      setDescription(existing.data.description ?? '');
      setKind(existing.data.kind);
      setFilter((existing.data.filter as Filter | null) ?? emptyFilter);
      setLoaded(true);
    }
  }, [editing, existing.data, loaded]);
  const [debounced] = useDebouncedValue(filter, 400);
  const preview = useFilterCount(kind === 'dynamic' ? debounced : null);
  const previewError = preview.error instanceof ApiError ? preview.error : null;
  const saving = create.isPending || update.isPending;
  const saveError = create.error ?? update.error;

  if (catalog.isPending || (editing && !loaded)) return <Skeleton h={320} />;
  if (!catalog.data) return <ErrorAlert error={catalog.error} title="The fields could not be loaded" />;

  const save = () => {
    const done = (segmentId: string) => {
      notifications.show({ color: 'green', message: `Segment “${name.trim()}” saved` });
      navigate(`/segments/${encodeURIComponent(segmentId)}`);
    };
    if (editing)
      update.mutate(
        { name, description: description || null, ...(kind === 'dynamic' ? { filter } : {}) },
        { onSuccess: (s) => done(s.id) },
      );
    else
      create.mutate(
        { name, description: description || null, kind, ...(kind === 'dynamic' ? { filter } : {}) },
        { onSuccess: (s) => done(s.id) },
      );
  };

  return (
    <>
      <PageHeader
        title={editing ? `Edit ${existing.data?.name ?? 'segment'}` : 'New segment'}
        description="A dynamic segment is a saved filter: leads enter and leave it as they change and act. A static list holds the leads you put in it."
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 9 }}>
          <Stack>
            <Paper withBorder radius="md" p="md">
              <Stack>
                <TextInput
                  label="Name"
                  required
                  maxLength={200}
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  error={saveError instanceof ApiError ? saveError.fieldError('name') : undefined}
                />
                <Textarea
                  label="Description"
                  autosize
                  minRows={1}
                  maxLength={2000}
                  value={description}
                  onChange={(e) => setDescription(e.currentTarget.value)}
                />
                {!editing ? (
                  <Stack gap={4}>
                    <Text size="sm" fw={500}>
                      Kind
                    </Text>
                    <SegmentedControl
                      w="fit-content"
                      value={kind}
                      onChange={(v) => setKind(v as 'dynamic' | 'static')}
                      data={[
                        { value: 'dynamic', label: 'Dynamic (a filter)' },
                        { value: 'static', label: 'Static list' },
                      ]}
                    />
                  </Stack>
                ) : null}
              </Stack>
            </Paper>
            {kind === 'dynamic' ? (
              <Stack gap="xs">
                <Title order={4}>Filter</Title>
                <FilterBuilder value={filter} onChange={setFilter} catalog={catalog.data} />
              </Stack>
            ) : (
              <Text size="sm" c="dimmed">
                Add leads from the lead list: select them, then “Add to list”.
              </Text>
            )}
            <ErrorAlert error={saveError} title="The segment was not saved" />
            <Group>
              <Button onClick={save} loading={saving} disabled={name.trim() === ''}>
                {editing ? 'Save changes' : 'Save segment'}
              </Button>
              <Button
                variant="default"
                component={Link}
                to={editing ? `/segments/${encodeURIComponent(id)}` : '/segments'}
              >
                Cancel
              </Button>
            </Group>
          </Stack>
        </Grid.Col>
        {kind === 'dynamic' ? (
          <Grid.Col span={{ base: 12, md: 3 }}>
            <Paper withBorder radius="md" p="md" pos="sticky" top={72}>
              <Text size="sm" c="dimmed">
                Leads matching now
              </Text>
              <Group gap="xs" align="baseline">
                <Text fz={36} fw={700} data-testid="live-count">
                  {preview.data ? formatNumber(preview.data.count) : '–'}
                </Text>
                {preview.isFetching ? <Loader size="xs" /> : null}
              </Group>
              <Text size="xs" c="dimmed">
                {hasConditions(filter)
                  ? 'Counted live as you edit.'
                  : 'No conditions yet: every lead matches.'}
              </Text>
              {previewError ? (
                <Alert
                  mt="sm"
                  color="orange"
                  variant="light"
                  icon={<IconAlertTriangle size={16} />}
                  title="Not a valid filter yet"
                >
                  <Stack gap={2}>
                    {(previewError.details.length
                      ? previewError.details
                      : [{ field: '', rule: '', message: previewError.message }]
                    ).map((d) => (
                      <Text key={`${d.field}:${d.rule}`} size="xs">
                        {d.field ? `${d.field}: ` : ''}
                        {d.message}
                      </Text>
                    ))}
                  </Stack>
                </Alert>
              ) : null}
            </Paper>
          </Grid.Col>
        ) : null}
      </Grid>
    </>
  );
}
