import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  Paper,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { type Role, roleLabels, roles } from '../../../../contracts/auth.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatRelative } from '../../lib/format.ts';
import { type User, useSession } from '../auth/api.ts';
import { useCreateUser, useUpdateUser, useUsers } from './api.ts';

const roleOptions = roles.map((r) => ({ value: r, label: roleLabels[r] }));
const roleColors: Record<Role, string> = {
  admin: 'grape',
  marketing: 'teal',
  sales_manager: 'orange',
  sales_rep: 'blue',
};

export function UsersPage() {
  const users = useUsers();
  const [opened, { open, close }] = useDisclosure(false);
  const [confirming, setConfirming] = useState<User | null>(null);
  const update = useUpdateUser();
  const me = useSession().data;

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone who signs in to Leadloop, and what their role lets them do. Deactivating someone signs them out everywhere at once."
        actions={
          <Button leftSection={<IconUserPlus size={16} />} onClick={open}>
            Add user
          </Button>
        }
      />
      <ErrorAlert error={users.error ?? update.error} />
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="sm" highlightOnHover aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last sign-in</Table.Th>
                <Table.Th w={48} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.isPending
                ? [1, 2, 3].map((i) => (
                    <Table.Tr key={i}>
                      <Table.Td colSpan={5}>
                        <Skeleton h={24} />
                      </Table.Td>
                    </Table.Tr>
                  ))
                : users.data?.data.map((u) => (
                    <Table.Tr key={u.id} opacity={u.active ? 1 : 0.6}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {u.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {u.email}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={`Role of ${u.email}`}
                          data={roleOptions}
                          value={u.role}
                          allowDeselect={false}
                          size="xs"
                          w={160}
                          disabled={!u.active}
                          onChange={(value) =>
                            value &&
                            value !== u.role &&
                            update.mutate(
                              { id: u.id, role: value as Role },
                              {
                                onSuccess: (user) =>
                                  notifications.show({
                                    color: 'green',
                                    message: `${user.name} is now ${roleLabels[user.role]}`,
                                  }),
                              },
                            )
                          }
                          styles={{ input: { borderColor: `var(--mantine-color-${roleColors[u.role]}-4)` } }}
                        />
                      </Table.Td>
                      <Table.Td>
                        {u.active ? (
                          <Badge color="green" variant="light">
                            Active
                          </Badge>
                        ) : (
                          <Badge color="gray" variant="light">
                            Deactivated
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c="dimmed">
                          {formatRelative(u.lastLoginAt)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Menu position="bottom-end">
                          <Menu.Target>
                            <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${u.email}`}>
                              <IconDots size={16} />
                            </ActionIcon>
                          </Menu.Target>
                          <Menu.Dropdown>
                            {u.active ? (
                              <Menu.Item
                                color="red"
                                disabled={u.id === me?.id}
                                onClick={() => setConfirming(u)}
                              >
                                Deactivate…
                              </Menu.Item>
                            ) : (
                              <Menu.Item onClick={() => update.mutate({ id: u.id, active: true })}>
                                Reactivate
                              </Menu.Item>
                            )}
                          </Menu.Dropdown>
                        </Menu>
                      </Table.Td>
                    </Table.Tr>
                  ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <CreateUserModal opened={opened} onClose={close} />
      <Modal
        opened={confirming !== null}
        onClose={() => setConfirming(null)}
        title="Deactivate user?"
        centered
      >
        <Stack>
          <Text size="sm">
            {confirming?.name} ({confirming?.email}) will be signed out everywhere and cannot sign in until
            reactivated. Their leads and history stay as they are.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={update.isPending}
              onClick={() =>
                confirming &&
                update.mutate({ id: confirming.id, active: false }, { onSettled: () => setConfirming(null) })
              }
            >
              Deactivate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

type CreateUserModalProps = { opened: boolean; onClose: () => void };

function CreateUserModal({ opened, onClose }: CreateUserModalProps) {
  const create = useCreateUser();
  const empty = { name: '', email: '', role: 'sales_rep' as Role, password: '' };
  const [form, setForm] = useState(empty);
  const error = create.error instanceof ApiError ? create.error : null;
  const done = () => {
    setForm(empty);
    create.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={done} title="Add user" centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form, {
            onSuccess: (user) => {
              notifications.show({
                color: 'green',
                message: `${user.name} can now sign in as ${user.email}`,
              });
              done();
            },
          });
        }}
      >
        <Stack>
          <ErrorAlert error={error && error.details.length === 0 ? error : null} />
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={error?.fieldError('name')}
          />
          <TextInput
            label="Email"
            type="email"
            required
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
            error={error?.fieldError('email')}
          />
          <Select
            label="Role"
            data={roleOptions}
            value={form.role}
            allowDeselect={false}
            onChange={(v) => v && setForm({ ...form, role: v as Role })}
          />
          <PasswordInput
            label="Initial password"
            description="At least 10 characters. Share it privately; they can change it under Account."
            required
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            error={error?.fieldError('password')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={done}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
