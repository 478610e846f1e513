import { Button, Checkbox, Group, Popover, ScrollArea, Stack, Text } from '@mantine/core';
import { IconColumns } from '@tabler/icons-react';
import type { LeadColumn } from './columns.tsx';

type ColumnChooserProps = {
  available: LeadColumn[];
  chosen: string[];
  onChange: (columns: string[]) => void;
  onReset: () => void;
};

/** Which columns the list shows; the name column is always there. */
export function ColumnChooser({ available, chosen, onChange, onReset }: ColumnChooserProps) {
  const toggle = (id: string, on: boolean) => {
    // Keep the registry's order, whatever order they were ticked in.
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    onChange(available.map((c) => c.id).filter((c) => next.has(c)));
  };
  return (
    <Popover position="bottom-end" width={260} shadow="md" trapFocus>
      <Popover.Target>
        <Button variant="default" leftSection={<IconColumns size={16} />}>
          Columns
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" role="group" aria-label="Columns to show">
          <Text size="xs" c="dimmed" fw={600} tt="uppercase">
            Columns to show
          </Text>
          <ScrollArea.Autosize mah={360} type="auto" offsetScrollbars>
            <Stack gap={8}>
              <Checkbox label="Name" checked disabled />
              {available.map((c) => (
                <Checkbox
                  key={c.id}
                  label={c.label}
                  checked={chosen.includes(c.id)}
                  onChange={(e) => toggle(c.id, e.currentTarget.checked)}
                />
              ))}
            </Stack>
          </ScrollArea.Autosize>
          <Group justify="flex-end">
            <Button size="xs" variant="subtle" color="gray" onClick={onReset}>
              Reset to default
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
