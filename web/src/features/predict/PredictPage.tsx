import '@mantine/charts/styles.css';
import { CompositeChart } from '@mantine/charts';
import {
  Alert,
  Badge,
  Button,
  EmptyState,
  Group,
  MultiSelect,
  Paper,
  Progress,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconBrain, IconPlayerPlay } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import {
  type PredictModel,
  type PredictRun,
  type PredictState,
  predictPhaseLabels,
} from '../../../../contracts/predict.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCustomFields } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { canTrain, usePredictState, useTrain } from './api.ts';

const standardOptions = [
  { value: 'country', label: 'Country' },
  { value: 'industry', label: 'Industry' },
  { value: 'companySize', label: 'Company size' },
  { value: 'seniority', label: 'Seniority (from job title)' },
  { value: 'emailDomain', label: 'Free-mail or company email' },
  { value: 'firstTouchChannel', label: 'First-touch channel' },
  { value: 'engagement', label: 'Engagement (page views, forms, emails, events)' },
];

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

function running(run: PredictRun | null | undefined): boolean {
  return run?.status === 'queued' || run?.status === 'running';
}

export function PredictPage() {
  const session = useSession();
  const state = usePredictState();
  const train = useTrain();
  const fields = useCustomFields();
  const [exclude, setExclude] = useState<string[] | null>(null);
  const mayTrain = canTrain(session.data?.role);
  const data = state.data;

  // Start from what the active model left out: the same choice next time unless changed.
  useEffect(() => {
    if (exclude === null && data) setExclude(data.model?.options.excludeFields ?? []);
  }, [data, exclude]);

  const excludeOptions = useMemo(
    () => [
      { group: 'Standard features', items: standardOptions },
      {
        group: 'Custom fields',
        items: (fields.data?.data ?? [])
          .filter((f) => !f.archived && ['number', 'select', 'boolean', 'multiselect'].includes(f.type))
          .map((f) => ({ value: f.key, label: f.label })),
      },
    ],
    [fields.data],
  );

  const start = () =>
    train.mutate(
      { excludeFields: exclude ?? [] },
      {
        onSuccess: () => notifications.show({ message: 'Training started', color: 'blue' }),
      },
    );

  return (
    <>
      <PageHeader
        title="Predictive model"
        description="Which open leads are likely to become customers, learned from leads whose outcome is known (customers against disqualified and recycled leads), judged on leads it never saw. Retrained daily."
        actions={
          mayTrain ? (
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              onClick={start}
              loading={train.isPending}
              disabled={running(data?.latestRun)}
            >
              Train now
            </Button>
          ) : null
        }
      />
      <Stack gap="lg">
        {state.error ? <ErrorAlert error={state.error} /> : null}
        {train.error ? <TrainError error={train.error} /> : null}
        {mayTrain ? (
          <MultiSelect
            label="Leave out of the model"
            description="Fields filled only after the outcome is known (a deal size, a call's duration) would make the model look better than it is."
            placeholder={exclude?.length ? undefined : 'Nothing left out'}
            data={excludeOptions}
            value={exclude ?? []}
            onChange={setExclude}
            searchable
            clearable
            maw={720}
          />
        ) : null}
        {data?.latestRun ? <RunStatus run={data.latestRun} /> : null}
        {state.isPending ? (
          <Skeleton h={320} />
        ) : data?.model ? (
          <ModelReport model={data.model} />
        ) : data ? (
          <NoModel state={data} />
        ) : null}
      </Stack>
    </>
  );
}

function TrainError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.code === 'PREDICT_NOT_ENOUGH_DATA')
    return (
      <Alert
        color="yellow"
        variant="light"
        title="Not enough outcomes to learn from"
        icon={<IconAlertTriangle size={18} />}
        role="alert"
      >
        <Text size="sm">{error.message}</Text>
      </Alert>
    );
  return <ErrorAlert error={error} title="Training could not start" />;
}

function RunStatus({ run }: { run: PredictRun }) {
  if (running(run)) {
    const value = run.progress.total > 0 ? (run.progress.done / run.progress.total) * 100 : 0;
    return (
      <Paper withBorder radius="md" p="md" aria-label="Training progress">
        <Group justify="space-between" mb={6}>
          <Text size="sm" fw={500}>
            Training… {predictPhaseLabels[run.phase]}
          </Text>
          <Text size="sm" c="dimmed">
            {run.progress.total > 0
              ? `${formatNumber(run.progress.done)} / ${formatNumber(run.progress.total)}`
              : ''}
          </Text>
        </Group>
        <Progress value={run.status === 'queued' ? 100 : value} animated striped={run.status === 'queued'} />
      </Paper>
    );
  }
  if (run.status === 'failed')
    return (
      <Alert color="red" variant="light" title="The last training run failed" role="alert">
        <Text size="sm">{run.message ?? 'No reason was recorded.'}</Text>
        <Text size="xs" c="dimmed" mt={4}>
          {formatDateTime(run.finishedAt)}
        </Text>
      </Alert>
    );
  return null;
}

function NoModel({ state }: { state: PredictState }) {
  const r = state.requirements;
  return (
    <Paper withBorder radius="md" p="xl">
      <EmptyState
        icon={<IconBrain size={22} />}
        title="No model yet"
        description={`The model needs at least ${r.minLabelled} leads whose outcome is known, ${r.minPerClass} of them customers and ${r.minPerClass} disqualified or recycled. Train it once there are; it then retrains every day.`}
      />
    </Paper>
  );
}

function Figure({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Tooltip label={hint} multiline w={260}>
        <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
          {label}
        </Text>
      </Tooltip>
      <Text fz={26} fw={700} mt={4} aria-label={label}>
        {value}
      </Text>
    </Paper>
  );
}

function aucWords(auc: number): string {
  if (auc >= 0.85) return 'very well';
  if (auc >= 0.75) return 'well';
  if (auc >= 0.65) return 'fairly well';
  return 'poorly';
}

function ModelReport({ model }: { model: PredictModel }) {
  const r = model.report;
  const chart = r.calibration.map((b) => ({
    decile: String(b.bin),
    Actual: Math.round(b.actual * 1000) / 10,
    Predicted: Math.round(b.predicted * 1000) / 10,
  }));
  const maxWeight = Math.max(...model.topCoefficients.map((c) => Math.abs(c.weight)), 1e-9);
  return (
    <Stack gap="lg">
      <Group gap="xs">
        <Badge variant="light" size="lg">
          Model v{model.version}
        </Badge>
        <Text size="sm" c="dimmed">
          Trained {formatDateTime(model.trainedAt)} · {r.split}
          {model.options.excludeFields?.length
            ? ` · left out: ${model.options.excludeFields.join(', ')}`
            : ''}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 2, md: 3, xl: 6 }}>
        <Figure
          label="Held-out AUC"
          value={r.auc.toFixed(3)}
          hint="The chance that a lead which became a customer is ranked above one which did not, on leads the model never saw. 0.5 is a coin toss, 1 is perfect."
        />
        <Figure
          label="Lift, top 10%"
          value={`${r.liftTopDecile.toFixed(1)}×`}
          hint="How much more often the top tenth by probability converted than held-out leads overall."
        />
        <Figure
          label="Conversion rate"
          value={pct(r.baseRate)}
          hint="Share of held-out leads that became customers."
        />
        <Figure
          label="Learned from"
          value={formatNumber(r.counts.train.rows)}
          hint={`${formatNumber(r.counts.train.positives)} customers among them; ${formatNumber(r.counts.labelled)} leads have a known outcome in all.`}
        />
        <Figure
          label="Held out"
          value={formatNumber(r.counts.holdout.rows)}
          hint={`${formatNumber(r.counts.holdout.positives)} customers among them.`}
        />
        <Figure
          label="Open leads scored"
          value={formatNumber(r.counts.scored)}
          hint="Every open lead got a probability when the model was trained."
        />
      </SimpleGrid>
      <Text size="sm">
        The model tells future customers from the rest <b>{aucWords(r.auc)}</b> on leads it never saw
        (training AUC {r.trainAuc.toFixed(3)}; a training figure far above the held-out one would mean it
        memorises rather than learns).
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Paper withBorder radius="md" p="lg">
          <Title order={3} size="h4">
            Calibration
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            Held-out leads in ten equal groups by predicted probability: the share that converted (bars)
            against what the model predicted (line). Close means the percentages can be taken at their word.
          </Text>
          <CompositeChart
            h={280}
            data={chart}
            dataKey="decile"
            maxBarWidth={28}
            withLegend
            unit="%"
            xAxisLabel="Decile of predicted probability"
            yAxisLabel="Converted"
            series={[
              { name: 'Actual', color: 'teal.5', type: 'bar' },
              { name: 'Predicted', color: 'indigo.7', type: 'line' },
            ]}
            aria-label="Calibration chart"
          />
        </Paper>
        <Paper withBorder radius="md" p="lg">
          <Title order={3} size="h4">
            What the model weighs most
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            Change in log-odds for a trait (numbers: per standard deviation). Green raises the chance, red
            lowers it.
          </Text>
          <Table verticalSpacing={4} aria-label="Top coefficients">
            <Table.Tbody>
              {model.topCoefficients.slice(0, 12).map((c) => (
                <Table.Tr key={c.feature}>
                  <Table.Td>
                    <Text size="sm" truncate maw={260}>
                      {c.label}
                    </Text>
                  </Table.Td>
                  <Table.Td w="40%">
                    <Progress
                      value={(Math.abs(c.weight) / maxWeight) * 100}
                      color={c.weight > 0 ? 'teal' : 'red'}
                      size="md"
                    />
                  </Table.Td>
                  <Table.Td ta="right" w={70}>
                    <Text size="sm" ff="monospace" c={c.weight > 0 ? 'teal.8' : 'red.8'}>
                      {c.weight > 0 ? '+' : ''}
                      {c.weight.toFixed(2)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
