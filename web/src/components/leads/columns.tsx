/** The columns a lead list can show: the standard fields, then every custom field. */
import { Anchor, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { type CustomFieldDefinition, type Lead, standardFields } from '../../../../contracts/leads.ts';
import { formatNumber } from '../../lib/format.ts';
import { formatCalendarDay, formatDay, leadName, valueText } from './format.ts';
import type { DirectoryUser } from './queries.ts';
import { StageBadge } from './StageBadge.tsx';

export type ColumnContext = { owners: Map<string, DirectoryUser> };

export type LeadColumn = {
  /** The lead field (or cf.<key>) it shows; also the name the CSV export takes. */
  id: string;
  label: string;
  /** The API's sort key, when the server can sort by it. */
  sort?: string;
  numeric?: boolean;
  render: (lead: Lead, ctx: ColumnContext) => ReactNode;
};

const dimmedDash = (
  <Text span size="sm" c="dimmed">
    —
  </Text>
);

function text(value: string | null | undefined): ReactNode {
  return value ? (
    <Text size="sm" truncate maw={260} title={value}>
      {value}
    </Text>
  ) : (
    dimmedDash
  );
}

/** The name column is always shown first; it links to the lead. */
export const nameColumn: LeadColumn = {
  id: 'name',
  label: 'Name',
  sort: 'lastName',
  render: (lead) => (
    <Anchor
      component={Link}
      to={`/leads/${encodeURIComponent(lead.id)}`}
      size="sm"
      fw={500}
      truncate
      display="block"
      maw={260}
      title={leadName(lead)}
    >
      {leadName(lead)}
    </Anchor>
  ),
};

export const standardColumns: LeadColumn[] = [
  { id: 'email', label: 'Email', sort: 'email', render: (l) => text(l.email) },
  {
    id: 'companyName',
    label: 'Company',
    sort: 'companyName',
    render: (l) =>
      l.companyId && l.companyName ? (
        <Anchor
          component={Link}
          to={`/companies/${encodeURIComponent(l.companyId)}`}
          size="sm"
          truncate
          display="block"
          maw={260}
          title={l.companyName}
        >
          {l.companyName}
        </Anchor>
      ) : (
        text(l.companyName)
      ),
  },
  { id: 'lifecycleStage', label: 'Stage', render: (l) => <StageBadge stage={l.lifecycleStage} /> },
  {
    id: 'ownerId',
    label: 'Owner',
    render: (l, ctx) =>
      l.ownerId ? (
        text(ctx.owners.get(l.ownerId)?.name ?? 'Unknown user')
      ) : (
        <Text span size="sm" c="dimmed">
          Unassigned
        </Text>
      ),
  },
  { id: 'jobTitle', label: standardFields.jobTitle.label, render: (l) => text(l.jobTitle) },
  { id: 'phone', label: standardFields.phone.label, render: (l) => text(l.phone) },
  { id: 'website', label: standardFields.website.label, render: (l) => text(l.website) },
  { id: 'country', label: standardFields.country.label, render: (l) => text(l.country) },
  { id: 'city', label: standardFields.city.label, render: (l) => text(l.city) },
  { id: 'industry', label: standardFields.industry.label, render: (l) => text(l.industry) },
  {
    id: 'companySize',
    label: 'Company size',
    sort: 'companySize',
    numeric: true,
    render: (l) => (l.companySize === null ? dimmedDash : formatNumber(l.companySize)),
  },
  { id: 'source', label: 'Source', render: (l) => text(l.source) },
  { id: 'createdAt', label: 'Created', sort: 'createdAt', render: (l) => formatDay(l.createdAt) },
  { id: 'updatedAt', label: 'Updated', sort: 'updatedAt', render: (l) => formatDay(l.updatedAt) },
];

export const defaultColumns = ['email', 'companyName', 'lifecycleStage', 'ownerId', 'country', 'createdAt'];

export function customColumns(defs: CustomFieldDefinition[]): LeadColumn[] {
  return defs
    .filter((d) => !d.archived)
    .map((d) => ({
      id: `cf.${d.key}`,
      label: d.label,
      numeric: d.type === 'number',
      render: (l: Lead) => {
        const v = l.customFields[d.key];
        return text(d.type === 'date' && typeof v === 'string' ? formatCalendarDay(v) : valueText(v));
      },
    }));
}
