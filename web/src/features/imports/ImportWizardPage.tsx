import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  Progress,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconDownload, IconFileUpload, IconInfoCircle } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type ImportMatchMode,
  importPresets,
  presetLabels,
  targetLabels,
} from '../../../../contracts/imports.ts';
import { type CustomFieldType, customFieldTypes } from '../../../../contracts/leads.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import {
  type Import,
  type ImportMapping,
  type ImportPreset,
  uploadFile,
  useCancelImport,
  useCustomFields,
  useImport,
  usePreview,
  useStartImport,
} from './api.ts';
import { PastImports } from './PastImports.tsx';

const NEW_FIELD = '__new__';
const externalSystems = ['hubspot', 'salesforce', 'mautic', 'pipedrive', 'crm'];

type NewField = { type: CustomFieldType; label: string; key: string };

function keyOf(header: string): string {
  const k = header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return /^[a-z]/.test(k) ? k : `f_${k}`.slice(0, 63);
}

const finished = (i: Import | undefined) =>
  i?.status === 'completed' || i?.status === 'failed' || i?.status === 'cancelled';

export function ImportWizardPage() {
  const [params, setParams] = useSearchParams();
  const importId = params.get('import');
  const current = useImport(importId);
  const [active, setActive] = useState(0);
  const [preset, setPreset] = useState<ImportPreset>('auto');
  const [mapping, setMapping] = useState<ImportMapping | null>(null);
  const [newFields, setNewFields] = useState<Record<string, NewField>>({});
  const [matchOn, setMatchOn] = useState<ImportMatchMode>('email');
  const [dryRun, setDryRun] = useState(false);

  // Opening an import that already started shows its progress or results.
  const status = current.data?.status;
  useEffect(() => {
    if (!status) return;
    if (status === 'ready') setActive((a) => (a === 0 ? 1 : a));
    else if (status === 'queued' || status === 'running') setActive(3);
    else setActive(4);
  }, [status]);

  const choose = (id: string | null) => {
    setMapping(null);
    setNewFields({});
    setPreset('auto');
    setMatchOn('email');
    setDryRun(false);
    setActive(id ? 1 : 0);
    setParams(id ? { import: id } : {});
  };

  return (
    <>
      <PageHeader
        title="Import leads"
        description="Bring in a CSV export from HubSpot, Salesforce, Mautic, Pipedrive or a spreadsheet. Rows are matched to the leads you have, so nobody is added twice."
        actions={
          <Button variant="default" component={Link} to="/leads">
            Back to leads
          </Button>
        }
      />
      <Paper withBorder radius="md" p="lg" mb="lg">
        <Stepper active={active} onStepClick={(s) => s < active && active < 3 && setActive(s)} size="sm">
          <Stepper.Step label="Upload" description="Choose a CSV file">
            <UploadStep onUploaded={(i) => choose(i.id)} />
          </Stepper.Step>
          <Stepper.Step label="Map columns" description="Where each column goes">
            {importId && (
              <MappingStep
                id={importId}
                preset={preset}
                onPreset={(p) => {
                  setPreset(p);
                  setMapping(null);
                }}
                mapping={mapping}
                onMapping={setMapping}
                newFields={newFields}
                onNewFields={setNewFields}
                onBack={() => choose(null)}
                onNext={() => setActive(2)}
              />
            )}
          </Stepper.Step>
          <Stepper.Step label="Options" description="Matching and dry run">
            {importId && mapping && (
              <OptionsStep
                id={importId}
                mapping={mapping}
                newFields={newFields}
                matchOn={matchOn}
                onMatchOn={setMatchOn}
                dryRun={dryRun}
                onDryRun={setDryRun}
                onBack={() => setActive(1)}
                onStarted={() => setActive(3)}
              />
            )}
          </Stepper.Step>
          <Stepper.Step label="Import" description="Progress">
            {current.data && <ProgressStep imp={current.data} />}
          </Stepper.Step>
          <Stepper.Completed>
            {current.data && finished(current.data) && (
              <ResultsStep imp={current.data} onAgain={() => choose(null)} />
            )}
          </Stepper.Completed>
        </Stepper>
      </Paper>
      <PastImports onOpen={(id) => setParams({ import: id })} />
    </>
  );
}

// ── Upload ─────────────────────────────────────────────────────────────────
function UploadStep({ onUploaded }: { onUploaded: (i: Import) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  const send = async (file: File | undefined | null) => {
    if (!file) return;
    setError(null);
    setProgress(0);
    try {
      onUploaded(await uploadFile(file, setProgress));
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };
  return (
    <Stack mt="lg">
      <ErrorAlert error={error} title="The file cannot be imported" />
      <Paper
        withBorder
        radius="md"
        p="xl"
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          borderColor: dragging ? 'var(--mantine-color-blue-filled)' : undefined,
          background: dragging ? 'var(--mantine-color-blue-light)' : undefined,
        }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void send(e.dataTransfer.files[0]);
        }}
      >
        <Stack align="center" gap="sm">
          <IconFileUpload size={40} stroke={1.4} color="var(--mantine-color-dimmed)" />
          <Text fw={500}>Drop a CSV file here</Text>
          <Text size="sm" c="dimmed" ta="center" maw={520}>
            Comma, semicolon or tab separated, with a header row. UTF-8 is best; other files are read as
            Windows-1252. Up to 1 GB.
          </Text>
          <Button component="label" leftSection={<IconFileUpload size={16} />} loading={progress !== null}>
            Choose a file
            <input
              type="file"
              accept=".csv,.tsv,.txt,text/csv"
              aria-label="CSV file"
              hidden
              onChange={(e) => void send(e.currentTarget.files?.[0])}
            />
          </Button>
          {progress !== null && (
            <Progress value={progress * 100} w="100%" maw={420} aria-label="Upload progress" animated />
          )}
        </Stack>
      </Paper>
    </Stack>
  );
}

// ── Mapping ────────────────────────────────────────────────────────────────
type MappingStepProps = {
  id: string;
  preset: ImportPreset;
  onPreset: (p: ImportPreset) => void;
  mapping: ImportMapping | null;
  onMapping: (m: ImportMapping) => void;
  newFields: Record<string, NewField>;
  onNewFields: (f: Record<string, NewField>) => void;
  onBack: () => void;
  onNext: () => void;
};

function MappingStep(props: MappingStepProps) {
  const { id, preset, mapping, newFields } = props;
  const isAdmin = useSession().data?.role === 'admin';
  const customFields = useCustomFields().data?.data ?? [];
  // The effective mapping sent for the preview: new custom fields are previewed as text.
  const previewMapping = useMemo(
    () =>
      mapping
        ? Object.fromEntries(Object.entries(mapping).map(([h, t]) => [h, t === NEW_FIELD ? null : t]))
        : null,
    [mapping],
  );
  const preview = usePreview(id, preset, previewMapping);
  const data = preview.data;
  const { onMapping } = props;
  useEffect(() => {
    if (data && !mapping) onMapping(data.mapping);
  }, [data, mapping, onMapping]);
  const headers = data?.headers ?? [];
  const current = mapping ?? data?.mapping ?? {};

  const options = useMemo(() => {
    const systems = new Set(externalSystems);
    for (const t of Object.values(current)) if (t?.startsWith('externalId:')) systems.add(t.slice(11));
    return [
      { group: 'Skip', items: [{ value: '', label: "Don't import" }] },
      {
        group: 'Lead fields',
        items: Object.entries(targetLabels).map(([value, label]) => ({ value, label })),
      },
      {
        group: 'External id (to match on)',
        items: [...systems].map((s) => ({ value: `externalId:${s}`, label: `External id: ${s}` })),
      },
      {
        group: 'Custom fields',
        items: [
          ...customFields.filter((f) => !f.archived).map((f) => ({ value: `cf.${f.key}`, label: f.label })),
          ...(isAdmin ? [{ value: NEW_FIELD, label: '+ New custom field' }] : []),
        ],
      },
    ];
  }, [current, customFields, isAdmin]);

  const setTarget = (header: string, value: string | null) => {
    const next = { ...current, [header]: value ? value : null };
    // A field goes to one column: taking it elsewhere frees it here.
    if (value && value !== NEW_FIELD)
      for (const [h, t] of Object.entries(next)) if (h !== header && t === value) next[h] = null;
    props.onMapping(next);
    if (value === NEW_FIELD && !newFields[header])
      props.onNewFields({ ...newFields, [header]: { type: 'text', label: header, key: keyOf(header) } });
  };

  const mapped = headers.filter((h) => current[h]);
  const leadColumns = [...new Set(mapped.map((h) => current[h]!))];

  return (
    <Stack mt="lg">
      <ErrorAlert error={preview.error} />
      <Group justify="space-between" align="flex-end">
        <Select
          label="Export from"
          description="Sets up the columns the way that tool names them"
          data={importPresets.map((p) => ({ value: p, label: presetLabels[p] }))}
          value={preset}
          onChange={(v) => v && props.onPreset(v as ImportPreset)}
          allowDeselect={false}
          w={300}
        />
        {data && (
          <Group gap="xs">
            {data.detectedPreset && (
              <Badge variant="light" color="teal">
                Detected: {presetLabels[data.detectedPreset]}
              </Badge>
            )}
            <Badge variant="light" color="gray">
              Delimiter {data.delimiter === '\t' ? 'tab' : `"${data.delimiter}"`}
            </Badge>
            <Badge variant="light" color={data.encodingNote ? 'yellow' : 'gray'}>
              {data.encoding.toUpperCase()}
            </Badge>
          </Group>
        )}
      </Group>
      {data?.encodingNote && (
        <Alert color="yellow" variant="light" icon={<IconInfoCircle size={18} />}>
          {data.encodingNote}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={720}>
        <Table verticalSpacing="xs" aria-label="Column mapping">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Column in the file</Table.Th>
              <Table.Th>First values</Table.Th>
              <Table.Th w={300}>Import as</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {headers.map((h, i) => {
              const target = current[h] ?? '';
              const samples = (data?.rows ?? [])
                .map((r) => r.values[i])
                .filter((v) => v)
                .slice(0, 3);
              const nf = newFields[h];
              return (
                <Table.Tr key={h}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {h}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed" lineClamp={2} maw={320}>
                      {samples.join(' · ') || '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Select
                        aria-label={`Import ${h} as`}
                        data={options}
                        value={target}
                        onChange={(v) => setTarget(h, v)}
                        searchable
                        allowDeselect={false}
                        size="xs"
                      />
                      {target === NEW_FIELD && nf && (
                        <Group gap={4} wrap="nowrap">
                          <TextInput
                            size="xs"
                            aria-label={`Key of the new field for ${h}`}
                            value={nf.key}
                            onChange={(e) =>
                              props.onNewFields({ ...newFields, [h]: { ...nf, key: e.currentTarget.value } })
                            }
                          />
                          <Select
                            size="xs"
                            aria-label={`Type of the new field for ${h}`}
                            data={customFieldTypes.filter((t) => t !== 'select' && t !== 'multiselect')}
                            value={nf.type}
                            onChange={(v) =>
                              v &&
                              props.onNewFields({ ...newFields, [h]: { ...nf, type: v as CustomFieldType } })
                            }
                            allowDeselect={false}
                            w={110}
                          />
                        </Group>
                      )}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <Title order={4} mt="sm">
        Preview
      </Title>
      <Text size="sm" c="dimmed">
        The first rows as they will be imported. Rows with a problem are listed with it and skipped; the
        others go in.
      </Text>
      <Table.ScrollContainer minWidth={720}>
        <Table striped verticalSpacing={6} aria-label="Preview of the first rows" fz="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              {leadColumns.map((t) => (
                <Table.Th key={t}>{labelOf(t)}</Table.Th>
              ))}
              <Table.Th>Problems</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(data?.rows ?? []).map((r) => (
              <Table.Tr key={r.row}>
                <Table.Td>{r.row}</Table.Td>
                {leadColumns.map((t) => (
                  <Table.Td key={t}>
                    {cellOf(r.lead, t, r.values[headers.findIndex((h) => current[h] === t)])}
                  </Table.Td>
                ))}
                <Table.Td>
                  {r.problems.map((p) => (
                    <Text key={`${p.field}-${p.rule}`} size="xs" c="red">
                      {p.column ?? p.field}: {p.message}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between">
        <Button variant="default" onClick={props.onBack}>
          Choose another file
        </Button>
        <Button onClick={props.onNext} disabled={mapped.length === 0}>
          Next: options
        </Button>
      </Group>
    </Stack>
  );
}

function labelOf(target: string): string {
  if (target === NEW_FIELD) return 'New custom field';
  if (target.startsWith('cf.')) return target.slice(3);
  if (target.startsWith('externalId:')) return `${target.slice(11)} id`;
  return targetLabels[target as keyof typeof targetLabels] ?? target;
}

function cellOf(lead: Record<string, unknown>, target: string, raw: string | undefined): string {
  if (target === NEW_FIELD) return raw ?? '';
  if (target.startsWith('cf.'))
    return String((lead.customFields as Record<string, unknown> | undefined)?.[target.slice(3)] ?? '');
  if (target.startsWith('externalId:'))
    return (
      ((lead.externalIds as { system: string; id: string }[] | undefined) ?? []).find(
        (e) => `externalId:${e.system}` === target,
      )?.id ?? ''
    );
  if (target === 'fullName') return [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  if (target === 'createdAt' && typeof lead.createdAt === 'string') return formatDateTime(lead.createdAt);
  const v = lead[target];
  return v === undefined || v === null ? '' : String(v);
}

// ── Options ────────────────────────────────────────────────────────────────
type OptionsStepProps = {
  id: string;
  mapping: ImportMapping;
  newFields: Record<string, NewField>;
  matchOn: ImportMatchMode;
  onMatchOn: (m: ImportMatchMode) => void;
  dryRun: boolean;
  onDryRun: (d: boolean) => void;
  onBack: () => void;
  onStarted: () => void;
};

function OptionsStep(props: OptionsStepProps) {
  const start = useStartImport();
  const targets = Object.values(props.mapping);
  const hasEmail = targets.includes('email');
  const hasExternal = targets.some((t) => t?.startsWith('externalId:'));
  const go = () => {
    const createCustomFields = Object.entries(props.mapping)
      .filter(([, t]) => t === NEW_FIELD)
      .map(([column]) => {
        const f = props.newFields[column]!;
        return { column, key: f.key, label: column.slice(0, 100), type: f.type };
      });
    const mapping = Object.fromEntries(
      Object.entries(props.mapping).map(([h, t]) => [h, t === NEW_FIELD ? null : t]),
    );
    start.mutate(
      { id: props.id, mapping, matchOn: props.matchOn, dryRun: props.dryRun, createCustomFields },
      { onSuccess: props.onStarted },
    );
  };
  return (
    <Stack mt="lg" maw={640}>
      <ErrorAlert error={start.error} title="The import cannot start" />
      <Radio.Group
        label="Match rows to existing leads by"
        value={props.matchOn}
        onChange={(v) => props.onMatchOn(v as ImportMatchMode)}
      >
        <Stack gap="xs" mt="xs">
          <Radio
            value="email"
            label="Email (recommended)"
            description="A row whose email Leadloop knows updates that lead; blank cells never overwrite."
            disabled={!hasEmail && !hasExternal}
          />
          <Radio
            value="external"
            label="External id"
            description="Match on the id column from your CRM only; emails do not decide."
            disabled={!hasExternal}
          />
          <Radio
            value="none"
            label="Don't match: every row is a new lead"
            description="For data without emails or ids, such as survey or research files."
          />
        </Stack>
      </Radio.Group>
      <Switch
        label="Dry run"
        description="Check every row and count what would be created, updated or rejected, without changing anything."
        checked={props.dryRun}
        onChange={(e) => props.onDryRun(e.currentTarget.checked)}
      />
      <Group justify="space-between">
        <Button variant="default" onClick={props.onBack}>
          Back to mapping
        </Button>
        <Button onClick={go} loading={start.isPending}>
          {props.dryRun ? 'Start dry run' : 'Start import'}
        </Button>
      </Group>
    </Stack>
  );
}

// ── Progress and results ───────────────────────────────────────────────────
function Counts({ imp }: { imp: Import }) {
  const items: [string, number, string][] = [
    ['Created', imp.counts.created, 'teal'],
    ['Updated', imp.counts.updated, 'blue'],
    ['Unchanged', imp.counts.unchanged, 'gray'],
    ['Failed', imp.counts.failed, 'red'],
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} role="list" aria-label="Import counts">
      {items.map(([label, n, color]) => (
        <Paper key={label} withBorder radius="md" p="md" role="listitem" aria-label={`${label}: ${n}`}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {label}
          </Text>
          <Text fz={28} fw={700} c={n > 0 ? color : undefined}>
            {formatNumber(n)}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}

function ProgressStep({ imp }: { imp: Import }) {
  const cancel = useCancelImport();
  const pct = Math.round(imp.progress.fraction * 100);
  return (
    <Stack mt="lg">
      <Group justify="space-between">
        <Text fw={500}>
          {imp.dryRun ? 'Dry run of ' : 'Importing '}
          <Code>{imp.filename}</Code>
        </Text>
        <Badge variant="light">{imp.status}</Badge>
      </Group>
      <Progress value={pct} size="xl" striped animated aria-label="Import progress" />
      <Text size="sm" c="dimmed">
        {pct}% · {formatNumber(imp.progress.rows)} rows read. You can leave this page: the import goes on in
        the background and resumes by itself after a restart.
      </Text>
      {imp.message && (
        <Text size="sm" data-testid="import-progress-message">
          {imp.message}
        </Text>
      )}
      <Counts imp={imp} />
      <Group justify="flex-end">
        <Button
          variant="default"
          color="red"
          loading={cancel.isPending}
          onClick={() => cancel.mutate(imp.id)}
        >
          Cancel import
        </Button>
      </Group>
    </Stack>
  );
}

function ResultsStep({ imp, onAgain }: { imp: Import; onAgain: () => void }) {
  const start = useStartImport();
  const ok = imp.status === 'completed';
  useEffect(() => {
    if (ok)
      notifications.show({
        color: 'green',
        message: `${imp.filename}: ${imp.dryRun ? 'dry run' : 'import'} finished`,
      });
  }, [ok, imp.filename, imp.dryRun]);
  return (
    <Stack mt="lg">
      <Alert
        color={ok ? (imp.counts.failed > 0 ? 'yellow' : 'green') : 'red'}
        variant="light"
        icon={ok ? <IconInfoCircle size={18} /> : <IconAlertTriangle size={18} />}
        title={
          ok
            ? imp.dryRun
              ? 'Dry run finished: nothing was changed'
              : 'Import finished'
            : imp.status === 'cancelled'
              ? 'Import cancelled'
              : 'Import failed'
        }
      >
        {imp.message ??
          (imp.counts.failed > 0
            ? `${formatNumber(imp.counts.failed)} ${imp.counts.failed === 1 ? 'row' : 'rows'} could not be imported; download them with the reason for each.`
            : 'Every row went in.')}
      </Alert>
      <Counts imp={imp} />
      <ErrorAlert error={start.error} />
      <Group>
        {imp.errorCount > 0 && (
          <Button
            component="a"
            href={`/api/v1/imports/${encodeURIComponent(imp.id)}/errors.csv`}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Download errors (CSV)
          </Button>
        )}
        {ok && imp.dryRun && imp.options && (
          <Button
            loading={start.isPending}
            onClick={() =>
              start.mutate({
                id: imp.id,
                ...imp.options!,
                dryRun: false,
                createCustomFields: imp.options!.createCustomFields,
              })
            }
          >
            Import for real
          </Button>
        )}
        <Button component={Link} to="/leads" variant={ok && !imp.dryRun ? 'filled' : 'default'}>
          Go to leads
        </Button>
        <Anchor component="button" type="button" onClick={onAgain} size="sm">
          Import another file
        </Anchor>
      </Group>
    </Stack>
  );
}
