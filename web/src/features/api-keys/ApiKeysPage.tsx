import {
  Badge,
  Button,
  Checkbox,
  Code,
  EmptyState,
  Group,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { type Scope, scopes } from '../../../../contracts/auth.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { SecretOnce } from '../../components/SecretOnce.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { type ApiKey, useApiKeys, useCreateApiKey, useRevokeApiKey } from './api.ts';

const scopeHelp: Record<Scope, string> = {
  'leads:read': 'Read leads, companies and their history',
  'leads:write': 'Create, update and delete leads and companies',
  'deals:read': 'Read pipelines, deals, the board and outcomes',
  'deals:write': 'Create deals, move them, mark them won or lost',
  capture: 'Submit forms and tracking events from your own servers',
  admin: 'Everything, including users and keys',
};

export function ApiKeysPage() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const [opened, { open, close }] = useDisclosure(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const list = keys.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let your servers and integrations call the Leadloop API. Send one as Authorization: Bearer <key>. Each key carries only the scopes it needs."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={open}>
            Create API key
          </Button>
        }
      />
      <ErrorAlert error={keys.error ?? revoke.error} />
      <Paper withBorder radius="md">
        {keys.isPending ? (
          <Stack p="md">
            <Skeleton h={24} />
            <Skeleton h={24} />
          </Stack>
        ) : list.length === 0 ? (
          <EmptyState
            p="xl"
            icon={<IconKey size={22} />}
            title="No API keys yet"
            description="Create a key to connect your website backend, a CRM sync or a script."
          />
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" aria-label="API keys">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Scopes</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((k) => (
                  <Table.Tr key={k.id} opacity={k.revokedAt ? 0.55 : 1}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {k.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>{k.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {k.scopes.map((s) => (
                          <Badge key={s} variant="light" color={s === 'admin' ? 'grape' : 'blue'}>
                            {s}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(k.createdAt)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {formatRelative(k.lastUsedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      {k.revokedAt ? (
                        <Badge color="gray" variant="outline">
                          Revoked
                        </Badge>
                      ) : (
                        <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(k)}>
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <CreateKeyModal opened={opened} onClose={close} />
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke API key?" centered>
        <Stack>
          <Text size="sm">
            Anything using “{revoking?.name}” stops working immediately. This cannot be undone; create a new
            key if you need one again.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={revoke.isPending}
              onClick={() =>
                revoking &&
                revoke.mutate(revoking.id, {
                  onSuccess: (k) => notifications.show({ color: 'green', message: `Revoked “${k.name}”` }),
                  onSettled: () => setRevoking(null),
                })
              }
            >
              Revoke key
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

type CreateKeyModalProps = { opened: boolean; onClose: () => void };

function CreateKeyModal({ opened, onClose }: CreateKeyModalProps) {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Scope[]>(['leads:read']);
  const error = create.error instanceof ApiError ? create.error : null;
  const secret = create.data?.secret;
  const done = () => {
    setName('');
    setChosen(['leads:read']);
    create.reset();
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={done}
      title={secret ? 'Your new API key' : 'Create API key'}
      centered
      size="lg"
    >
      {secret ? (
        <SecretOnce
          secret={secret}
          notice="This is the only time the key is shown. Leadloop stores only a fingerprint of it."
          testId="new-api-key"
          onDone={done}
        />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, scopes: chosen });
          }}
        >
          <Stack>
            <ErrorAlert error={error && error.details.length === 0 ? error : null} />
            <TextInput
              label="Name"
              description="Say where it is used, so you know what breaks if you revoke it."
              placeholder="Website backend"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={error?.fieldError('name')}
            />
            <Checkbox.Group
              label="Scopes"
              value={chosen}
              onChange={(v) => setChosen(v as Scope[])}
              error={
                error?.fieldError('scopes') ?? (chosen.length === 0 ? 'Choose at least one scope' : undefined)
              }
            >
              <Stack gap="xs" mt="xs">
                {scopes.map((s) => (
                  <Checkbox key={s} value={s} label={s} description={scopeHelp[s]} />
                ))}
              </Stack>
            </Checkbox.Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={done}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={chosen.length === 0}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
