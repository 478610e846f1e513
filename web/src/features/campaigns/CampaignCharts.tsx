import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Paper, SimpleGrid, Skeleton, Text, Title } from '@mantine/core';
import type { CampaignTrend } from '../../../../contracts/attribution.ts';
import { formatMoney, toMajor, toMinor } from './money.ts';

const palette = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6'];
const month = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** Cost by month (one bar series per currency) and leads by week of their first touch. */
export function CampaignCharts({ trend, loading }: { trend?: CampaignTrend; loading: boolean }) {
  if (loading || !trend)
    return (
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Skeleton h={280} />
        <Skeleton h={280} />
      </SimpleGrid>
    );
  const currencies = [...new Set(trend.costByMonth.map((c) => c.currency))];
  const months = [...new Set(trend.costByMonth.map((c) => c.month))];
  const costData = months.map((m) => ({
    month: month.format(new Date(`${m}-01T00:00:00Z`)),
    ...Object.fromEntries(
      currencies.map((cur) => [
        cur,
        toMajor(trend.costByMonth.find((c) => c.month === m && c.currency === cur)?.amount ?? 0, cur),
      ]),
    ),
  }));
  const leadData = fillWeeks(trend.leadsByWeek).map((w) => ({
    week: day.format(new Date(`${w.week}T00:00:00Z`)),
    Leads: w.leads,
  }));
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Paper withBorder radius="md" p="lg" aria-label="Cost by month">
        <Title order={3} size="h5" mb="md">
          Cost by month
        </Title>
        {costData.length === 0 ? (
          <Text size="sm" c="dimmed" h={220}>
            No costs recorded yet. Add the invoices or ad spend below and they show here by month.
          </Text>
        ) : (
          <BarChart
            h={220}
            data={costData}
            dataKey="month"
            withLegend={currencies.length > 1}
            series={currencies.map((cur, i) => ({ name: cur, color: palette[i % palette.length]! }))}
            valueFormatter={(v) =>
              currencies.length === 1 ? formatMoney(toMinor(v, currencies[0]!), currencies[0]!) : String(v)
            }
            tickLine="y"
            yAxisProps={{ width: 88 }}
          />
        )}
      </Paper>
      <Paper withBorder radius="md" p="lg" aria-label="Leads by week">
        <Title order={3} size="h5" mb="md">
          New leads by week of first touch
        </Title>
        {leadData.length === 0 ? (
          <Text size="sm" c="dimmed" h={220}>
            No lead has this campaign as first touch yet. Visits whose utm_campaign is one of its keys count
            here once the visitor becomes a lead.
          </Text>
        ) : (
          <BarChart
            h={220}
            data={leadData}
            dataKey="week"
            series={[{ name: 'Leads', color: 'teal.6' }]}
            yAxisProps={{ allowDecimals: false }}
            tickLine="y"
          />
        )}
      </Paper>
    </SimpleGrid>
  );
}

/** Puts the weeks without leads back between the first and last week, so gaps show as gaps. */
function fillWeeks(weeks: CampaignTrend['leadsByWeek']): CampaignTrend['leadsByWeek'] {
  if (weeks.length < 2) return weeks;
  const byWeek = new Map(weeks.map((w) => [w.week, w.leads]));
  const out: CampaignTrend['leadsByWeek'] = [];
  const end = Date.parse(`${weeks.at(-1)!.week}T00:00:00Z`);
  for (let t = Date.parse(`${weeks[0]!.week}T00:00:00Z`); t <= end && out.length < 520; t += 7 * 86_400_000) {
    const week = new Date(t).toISOString().slice(0, 10);
    out.push({ week, leads: byWeek.get(week) ?? 0 });
  }
  return out;
}
