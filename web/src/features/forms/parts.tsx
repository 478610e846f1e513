import { Badge } from '@mantine/core';
import { type FormStatus, formStatusLabels } from '../../../../contracts/forms.ts';

/** The roles the server lets change forms (it enforces the same rule). */
export function canEditForms(role: string | undefined): boolean {
  return role === 'admin' || role === 'marketing';
}

const statusColors: Record<FormStatus, string> = { draft: 'gray', published: 'green', archived: 'dark' };

export function StatusBadge({ status }: { status: FormStatus }) {
  return (
    <Badge color={statusColors[status]} variant={status === 'published' ? 'filled' : 'light'}>
      {formStatusLabels[status]}
    </Badge>
  );
}
