import { Select } from '@mantine/core';
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
  error,
}: OwnerSelectProps) {
  const directory = useDirectory();
  const users = directory.data?.data ?? [];
  const data = [
    ...(allowUnassigned ? [{ value: '', label: 'Unassigned' }] : []),
    ...users
      .filter((u) => u.active || u.id === value)
      .map((u) => ({ value: u.id, label: u.active ? u.name : `${u.name} (deactivated)` })),
  ];
  return (
    <Select
      label={label}
      aria-label={label ? undefined : ariaLabel}
      data={data}
      value={value ?? ''}
      onChange={(v) => onChange(v ? v : null)}
      allowDeselect={false}
      searchable
      nothingFoundMessage="Nobody by that name"
      disabled={disabled || directory.isPending}
      size={size}
      w={w}
      error={error ?? (directory.error ? directory.error.message : undefined)}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
