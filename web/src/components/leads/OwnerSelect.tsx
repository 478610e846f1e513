import { Box, Select, Tooltip } from '@mantine/core';
import { useDirectory } from './queries.ts';

type OwnerSelectProps = {
  label?: string;
  ariaLabel?: string;
  value: string | null;
  onChange: (ownerId: string | null) => void;
  disabled?: boolean;
  size?: 'xs' | 'sm' | 'md';
  w?: number | string;
  /** Offer "Unassigned" as a choice (null). */
  allowUnassigned?: boolean;
  /** Only these people may be chosen (the others are not offered); absent: anyone. */
  only?: readonly string[] | null;
  /** Why the owner cannot be changed here: the select is disabled and says so in a tooltip. */
  lockedReason?: string | null;
  error?: string;
};

/** Picks a lead or account owner from everyone who can own leads; deactivated people are marked. */
export function OwnerSelect({
  label,
  ariaLabel,
  value,
  onChange,
  disabled,
  size = 'sm',
  w,
  allowUnassigned = true,
  only,
  lockedReason,
  error,
}: OwnerSelectProps) {
  const directory = useDirectory();
  const users = directory.data?.data ?? [];
  const data = [
    ...(allowUnassigned ? [{ value: '', label: 'Unassigned' }] : []),
    ...users
      .filter((u) => u.active || u.id === value)
      .filter((u) => !only || only.includes(u.id) || u.id === value)
      .map((u) => ({ value: u.id, label: u.active ? u.name : `${u.name} (deactivated)` })),
  ];
  const select = (
    <Select
      label={label}
      aria-label={label ? undefined : ariaLabel}
      data={data}
      value={value ?? ''}
      onChange={(v) => onChange(v ? v : null)}
      allowDeselect={false}
      searchable
      nothingFoundMessage="Nobody by that name"
      placeholder="Unassigned"
      disabled={disabled || !!lockedReason || directory.isPending}
      size={size}
      w={w}
      error={error ?? (directory.error ? directory.error.message : undefined)}
      comboboxProps={{ withinPortal: true }}
    />
  );
  if (!lockedReason) return select;
  // A disabled input gets no pointer events: the tooltip hangs on a wrapper.
  return (
    <Tooltip label={lockedReason} multiline w={260} withArrow>
      <Box w={w} data-testid="owner-locked">
        {select}
      </Box>
    </Tooltip>
  );
}
