/**
 * The list of leads used wherever leads are listed (the leads page, a company's page): filters,
 * server-side sort, column choice, saved views, cursor pages, a total, selection and bulk actions.
 */
import {
  Box,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowDown,
  IconArrowsSort,
  IconArrowUp,
  IconChevronLeft,
  IconChevronRight,
  IconDownload,
  IconTrash,
} from '@tabler/icons-react';
import { type ReactNode, useMemo, useState } from 'react';
import { formatNumber } from '../../lib/format.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { AddToListButton } from '../filters/LeadListControls.tsx';
import { ColumnChooser } from './ColumnChooser.tsx';
import { customColumns, defaultColumns, type LeadColumn, nameColumn, standardColumns } from './columns.tsx';
import { leadName } from './format.ts';
import { LeadFiltersBar } from './LeadFilters.tsx';
import {
  type LeadFilters,
  searchOf,
  useBulkDeleteLeads,
  useCustomFields,
  useDirectory,
  useLeadCount,
  useLeadPage,
  useLeadStats,
} from './queries.ts';
import { SavedViews, viewDefinitionOf } from './SavedViews.tsx';
import { StageBar } from './StageBar.tsx';

export type LeadListState = {
  filters: LeadFilters;
  sort: string;
  columns: string[];
  viewId: string | null;
  limit: number;
};

export const defaultListState: LeadListState = {
  filters: {},
  sort: '-createdAt',
  columns: defaultColumns,
  viewId: null,
  limit: 50,
};

type LeadListProps = {
  state: LeadListState;
  onChange: (next: LeadListState) => void;
  /** Filters people cannot change here (a company page's companyId). */
  fixed?: LeadFilters;
  /** Columns not offered (the company column on a company's page). */
  hideColumns?: string[];
  /** Offer saved views (stored under this resource name). */
  viewsResource?: string;
  withStats?: boolean;
  canDelete: boolean;
  /** Shown when there are no leads at all (not merely none matching). */
  empty: ReactNode;
  label: string;
  /** What the total counts when nothing is filtered (default "All leads"). */
  totalLabel?: string;
  /** More bulk actions for the selected leads (a static list's "Remove from list"). */
  bulkActions?: (leadIds: string[]) => ReactNode;
};

export function LeadList({
  state,
  onChange,
  fixed = {},
  hideColumns = [],
  viewsResource,
  withStats = false,
  canDelete,
  empty,
  label,
  totalLabel = 'All leads',
  bulkActions,
}: LeadListProps) {
  const customFields = useCustomFields();
  const directory = useDirectory();
  const defs = customFields.data?.data ?? [];
  const users = directory.data?.data ?? [];
  const owners = useMemo(() => new Map(users.map((u) => [u.id, u])), [users]);
  const available = useMemo(
    () => [...standardColumns, ...customColumns(defs)].filter((c) => !hideColumns.includes(c.id)),
    [defs, hideColumns],
  );
  const shown: LeadColumn[] = [nameColumn, ...available.filter((c) => state.columns.includes(c.id))];

  const filters = { ...state.filters, ...fixed };
  const listKey = searchOf({ ...filters, sort: state.sort, limit: state.limit });
  // Cursor pages and the selection belong to one filter+sort: a change starts over at page one.
  const [pager, setPager] = useState({ key: listKey, cursors: [null] as (string | null)[] });
  const cursors = pager.key === listKey ? pager.cursors : [null];
  const cursor = cursors.at(-1) ?? null;
  const [selection, setSelection] = useState({ key: listKey, ids: new Set<string>() });
  const selected = selection.key === listKey ? selection.ids : new Set<string>();
  const setSelected = (ids: Set<string>) => setSelection({ key: listKey, ids });

  const page = useLeadPage(filters, state.sort, state.limit, cursor);
  const count = useLeadCount(filters);
  const stats = useLeadStats(filters, withStats);
  const bulkDelete = useBulkDeleteLeads();
  const [confirmDelete, setConfirmDelete] = useState(false);

  const rows = page.data?.data ?? [];
  const total = count.data?.count;
  const userFiltered = Object.keys(state.filters).length > 0;
  const pageIndex = cursors.length - 1;
  const first = pageIndex * state.limit + 1;
  const allOnPage = rows.length > 0 && rows.every((l) => selected.has(l.id));
  const someOnPage = rows.some((l) => selected.has(l.id));

  const setFilters = (f: LeadFilters) => onChange({ ...state, filters: f });
  const setSort = (sort: string) => onChange({ ...state, sort });
  const exportColumns = ['id', 'firstName', 'lastName', ...shown.slice(1).map((c) => c.id)].filter(
    (c, i, all) => all.indexOf(c) === i,
  );
  const exportUrl = (ids?: string[]) =>
    `/api/v1/leads/export.csv${searchOf({
      ...filters,
      sort: state.sort,
      columns: exportColumns.join(','),
      ids: ids?.join(','),
    })}`;

  const listTools = (
    <Group gap="xs" wrap="nowrap">
      <ColumnChooser
        available={available}
        chosen={state.columns}
        onChange={(columns) => onChange({ ...state, columns })}
        onReset={() =>
          onChange({ ...state, columns: defaultColumns.filter((c) => !hideColumns.includes(c)) })
        }
      />
      <Menu position="bottom-end" width={260}>
        <Menu.Target>
          <Button variant="default" leftSection={<IconDownload size={16} />}>
            Export
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>CSV with the columns shown</Menu.Label>
          <Menu.Item component="a" href={exportUrl()} download>
            All {total === undefined ? '' : formatNumber(total)} matching leads
          </Menu.Item>
          <Menu.Item component="a" href={exportUrl([...selected])} download disabled={selected.size === 0}>
            Selected leads ({formatNumber(selected.size)})
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );

  return (
    <Stack gap="md">
      {withStats ? (
        <Paper withBorder radius="md" p="md">
          <Group justify="space-between" align="flex-start" gap="lg" wrap="wrap">
            <Stack gap={2} miw={160}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                {userFiltered ? 'Matching leads' : totalLabel}
              </Text>
              {total === undefined ? (
                <Skeleton h={32} w={100} />
              ) : (
                <Text fz={28} fw={700} lh={1.1} data-testid="lead-total">
                  {formatNumber(total)}
                </Text>
              )}
            </Stack>
            {withStats ? (
              <Stack gap={6} style={{ flex: 1, minWidth: 280 }}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  By lifecycle stage
                </Text>
                <StageBar
                  stats={stats.data}
                  loading={stats.isPending}
                  onPick={(s) => setFilters({ ...state.filters, stage: s })}
                />
              </Stack>
            ) : null}
          </Group>
        </Paper>
      ) : null}

      <Group justify={viewsResource ? 'space-between' : 'flex-end'} gap="sm">
        {viewsResource ? (
          <SavedViews
            resource={viewsResource}
            viewId={state.viewId}
            current={{ filters: state.filters, sort: state.sort, columns: state.columns }}
            onPick={(view) => {
              if (!view) return onChange({ ...state, viewId: null });
              const d = viewDefinitionOf(view);
              onChange({
                ...state,
                viewId: view.id,
                filters: d?.filters ?? {},
                sort: d?.sort ?? '-createdAt',
                columns: d?.columns.length ? d.columns : state.columns,
              });
            }}
          />
        ) : null}
        {listTools}
      </Group>

      <Paper withBorder radius="md">
        <Box p="md">
          <LeadFiltersBar filters={state.filters} onChange={setFilters} customFields={defs} users={users} />
        </Box>
        <ErrorAlert error={page.error ?? count.error ?? stats.error} title="The leads could not be loaded" />
        {selected.size > 0 ? (
          <Group
            px="md"
            py="xs"
            gap="sm"
            bg="var(--mantine-primary-color-light)"
            role="region"
            aria-label="Bulk actions"
          >
            <Text size="sm" fw={600}>
              {formatNumber(selected.size)} selected
            </Text>
            <Button
              size="xs"
              variant="default"
              component="a"
              href={exportUrl([...selected])}
              download
              leftSection={<IconDownload size={14} />}
            >
              Export selected
            </Button>
            <AddToListButton leadIds={[...selected]} />
            {bulkActions?.([...selected])}
            {canDelete ? (
              <Button
                size="xs"
                color="red"
                variant="light"
                leftSection={<IconTrash size={14} />}
                onClick={() => setConfirmDelete(true)}
              >
                Delete selected…
              </Button>
            ) : null}
            <Button size="xs" variant="subtle" color="gray" onClick={() => setSelected(new Set())}>
              Clear selection
            </Button>
          </Group>
        ) : null}
        {!page.isPending && rows.length === 0 && !page.error ? (
          userFiltered ? (
            <Stack align="center" gap="xs" p="xl">
              <Text fw={600}>No leads match these filters</Text>
              <Text size="sm" c="dimmed">
                Try fewer filters or other words.
              </Text>
              <Button variant="light" onClick={() => setFilters({})}>
                Clear filters
              </Button>
            </Stack>
          ) : (
            empty
          )
        ) : (
          <Table.ScrollContainer minWidth={200 + shown.length * 100} type="native">
            <Table
              verticalSpacing="xs"
              highlightOnHover
              aria-label={label}
              aria-busy={page.isFetching}
              style={{ opacity: page.isPlaceholderData ? 0.6 : 1, transition: 'opacity 120ms' }}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Select all leads on this page"
                      checked={allOnPage}
                      indeterminate={someOnPage && !allOnPage}
                      onChange={(e) => {
                        const next = new Set(selected);
                        for (const l of rows) {
                          if (e.currentTarget.checked) next.add(l.id);
                          else next.delete(l.id);
                        }
                        setSelected(next);
                      }}
                    />
                  </Table.Th>
                  {shown.map((c) => (
                    <SortableTh key={c.id} column={c} sort={state.sort} onSort={setSort} />
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.isPending
                  ? Array.from({ length: 6 }, (_, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
                      <Table.Tr key={i}>
                        <Table.Td colSpan={shown.length + 1}>
                          <Skeleton h={22} />
                        </Table.Td>
                      </Table.Tr>
                    ))
                  : rows.map((lead) => (
                      <Table.Tr
                        key={lead.id}
                        bg={selected.has(lead.id) ? 'var(--mantine-primary-color-light)' : undefined}
                      >
                        <Table.Td>
                          <Checkbox
                            aria-label={`Select ${leadName(lead)}`}
                            checked={selected.has(lead.id)}
                            onChange={(e) => {
                              const next = new Set(selected);
                              if (e.currentTarget.checked) next.add(lead.id);
                              else next.delete(lead.id);
                              setSelected(next);
                            }}
                          />
                        </Table.Td>
                        {shown.map((c) => (
                          <Table.Td
                            key={c.id}
                            ta={c.numeric ? 'right' : undefined}
                            style={{ whiteSpace: 'nowrap' }}
                          >
                            {c.render(lead, { owners })}
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {rows.length > 0 || pageIndex > 0 ? (
          <Group
            justify="space-between"
            px="md"
            py="sm"
            gap="sm"
            style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
          >
            <Group gap="xs">
              <Text size="sm" c="dimmed">
                Rows per page
              </Text>
              <Select
                aria-label="Rows per page"
                data={['25', '50', '100', '200']}
                value={String(state.limit)}
                onChange={(v) => v && onChange({ ...state, limit: Number(v) })}
                allowDeselect={false}
                w={80}
                size="xs"
              />
            </Group>
            <Group gap="sm">
              <Text size="sm" c="dimmed" aria-live="polite">
                {rows.length > 0
                  ? `${formatNumber(first)}–${formatNumber(first + rows.length - 1)}${total === undefined ? '' : ` of ${formatNumber(total)}`}`
                  : 'No more leads'}
              </Text>
              <Button
                size="xs"
                variant="default"
                leftSection={<IconChevronLeft size={14} />}
                disabled={pageIndex === 0}
                onClick={() => setPager({ key: listKey, cursors: cursors.slice(0, -1) })}
              >
                Previous
              </Button>
              <Button
                size="xs"
                variant="default"
                rightSection={<IconChevronRight size={14} />}
                disabled={!page.data?.nextCursor || page.isPlaceholderData}
                onClick={() =>
                  page.data?.nextCursor &&
                  setPager({ key: listKey, cursors: [...cursors, page.data.nextCursor] })
                }
              >
                Next
              </Button>
            </Group>
          </Group>
        ) : null}
      </Paper>

      <Modal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={`Delete ${formatNumber(selected.size)} ${selected.size === 1 ? 'lead' : 'leads'}?`}
        centered
      >
        <Stack>
          <Text size="sm">
            The selected leads are removed for good, with their whole history and the leads merged into them.
            This cannot be undone. To keep the numbers but forget the person, erase a lead from its page
            instead.
          </Text>
          <ErrorAlert error={bulkDelete.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={bulkDelete.isPending}
              onClick={() =>
                bulkDelete.mutate([...selected], {
                  onSuccess: ({ deleted }) => {
                    notifications.show({
                      color: 'green',
                      message: `Deleted ${formatNumber(deleted)} ${deleted === 1 ? 'lead' : 'leads'}`,
                    });
                    setSelected(new Set());
                    setConfirmDelete(false);
                  },
                })
              }
            >
              Delete {formatNumber(selected.size)} {selected.size === 1 ? 'lead' : 'leads'}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

type SortableThProps = { column: LeadColumn; sort: string; onSort: (sort: string) => void };

/** A column header that sorts on the server when the column can be sorted. */
function SortableTh({ column, sort, onSort }: SortableThProps) {
  if (!column.sort) {
    return (
      <Table.Th ta={column.numeric ? 'right' : undefined} style={{ whiteSpace: 'nowrap' }}>
        {column.label}
      </Table.Th>
    );
  }
  const desc = sort === `-${column.sort}`;
  const active = desc || sort === column.sort;
  const Icon = active ? (desc ? IconArrowDown : IconArrowUp) : IconArrowsSort;
  return (
    <Table.Th
      aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}
      ta={column.numeric ? 'right' : undefined}
      style={{ whiteSpace: 'nowrap' }}
    >
      <UnstyledButton
        onClick={() => onSort(active && !desc ? `-${column.sort}` : column.sort!)}
        fw={600}
        fz="sm"
        aria-label={`Sort by ${column.label}${active ? (desc ? ', sorted descending' : ', sorted ascending') : ''}`}
      >
        <Group gap={4} wrap="nowrap" justify={column.numeric ? 'flex-end' : undefined}>
          {column.label}
          <Icon size={14} style={{ opacity: active ? 1 : 0.4 }} aria-hidden />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}
