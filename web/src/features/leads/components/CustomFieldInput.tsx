import { MultiSelect, NumberInput, Select, Switch, Text, TextInput } from '@mantine/core';
import { DateInput } from '@mantine/dates';
import '@mantine/dates/styles.css';
import type { CustomFieldDefinition } from '../../../../../contracts/leads.ts';

type CustomFieldInputProps = {
  def: CustomFieldDefinition;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
};

/** The input a custom field's type calls for; an emptied input sends null (which clears). */
export function CustomFieldInput({ def, value, onChange, error }: CustomFieldInputProps) {
  const common = { label: def.label, description: def.helpText ?? undefined, error };
  switch (def.type) {
    case 'text':
      return (
        <TextInput
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value === '' ? null : e.currentTarget.value)}
        />
      );
    case 'number':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
        />
      );
    case 'date':
      return (
        <DateInput
          {...common}
          value={typeof value === 'string' ? value : null}
          onChange={(v) => onChange(v ?? null)}
          valueFormat="YYYY-MM-DD"
          clearable
          placeholder="YYYY-MM-DD"
        />
      );
    case 'boolean':
      return (
        <Switch
          label={def.label}
          description={def.helpText ?? undefined}
          error={error}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          mt="xs"
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          data={def.options}
          value={typeof value === 'string' ? value : null}
          onChange={(v) => onChange(v)}
          clearable
          searchable
        />
      );
    case 'multiselect':
      return (
        <MultiSelect
          {...common}
          data={def.options}
          value={Array.isArray(value) ? value.map(String) : []}
          onChange={(v) => onChange(v.length ? v : null)}
          clearable
          searchable
        />
      );
    default: {
      const never: never = def.type;
      return <Text size="sm">{String(never)}</Text>;
    }
  }
}
