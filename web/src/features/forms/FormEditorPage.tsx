import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Code,
  Grid,
  Group,
  List,
  Menu,
  Modal,
  Skeleton,
  Stack,
  Tabs,
  Text,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconAlertTriangle,
  IconArchive,
  IconCode,
  IconDeviceFloppy,
  IconDots,
  IconForms,
  IconInbox,
  IconRocket,
  IconRocketOff,
} from '@tabler/icons-react';
import { useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useNavigate, useParams, useSearchParams } from 'react-router';
import type { Form, FormStatus } from '../../../../contracts/forms.ts';
import { roleCan } from '../../../../contracts/permissions.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCustomFields } from '../../components/leads/queries.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatNumber } from '../../lib/format.ts';
import { useSession } from '../auth/api.ts';
import { useConsentVersions, useCreateForm, useForm, useUpdateForm } from './api.ts';
import {
  changedFrom,
  customMapOf,
  draftOf,
  type FormDraft,
  fieldChoices,
  isDirty,
  newDraft,
  payloadOf,
  problemsOf,
} from './draft.ts';
import { FormBuilder } from './FormBuilder.tsx';
import { FormPreview } from './FormPreview.tsx';
import { canEditForms, StatusBadge } from './parts.tsx';
import { ShareTab } from './ShareTab.tsx';
import { SubmissionsTab } from './SubmissionsTab.tsx';

/** `/forms/new` and `/forms/:id`: the builder with its live preview, the embed code and the submissions. */
export function FormEditorPage() {
  const { id } = useParams();
  const form = useForm(id);
  if (id && form.isPending)
    return (
      <Stack>
        <Skeleton h={40} w={320} />
        <Skeleton h={420} />
      </Stack>
    );
  if (id && form.error)
    return (
      <Stack>
        <Crumbs name="Form" />
        <ErrorAlert error={form.error} title="This form cannot be shown" />
      </Stack>
    );
  return <Editor key={id ?? 'new'} saved={form.data} />;
}

function Crumbs({ name }: { name: string }) {
  return (
    <Breadcrumbs mb="xs">
      <Anchor component={Link} to="/forms" size="sm">
        Forms
      </Anchor>
      <Text size="sm" truncate maw={360}>
        {name}
      </Text>
    </Breadcrumbs>
  );
}

type Tab = 'build' | 'share' | 'submissions';

function Editor({ saved }: { saved: Form | undefined }) {
  const navigate = useNavigate();
  const session = useSession();
  const canEdit = canEditForms(session.data?.role);
  // Submissions name every person who filled the form in, whoever owns them: marketing's.
  const canSeeSubmissions = roleCan(session.data?.role, 'formSubmissions');
  const [params, setParams] = useSearchParams();
  const tab: Tab = saved ? ((params.get('tab') as Tab | null) ?? 'build') : 'build';
  const setTab = (t: Tab) =>
    setParams(
      (p) => {
        if (t === 'build') p.delete('tab');
        else p.set('tab', t);
        return p;
      },
      { replace: true },
    );

  const [draft, setDraft] = useState<FormDraft>(() => (saved ? draftOf(saved) : newDraft()));
  const [error, setError] = useState<unknown>(null);
  const customFields = useCustomFields();
  const defs = customFields.data?.data ?? [];
  const custom = useMemo(() => customMapOf(defs), [defs]);
  const choices = useMemo(() => fieldChoices(defs), [defs]);
  const history = useConsentVersions(saved?.id);
  const create = useCreateForm();
  const update = useUpdateForm(saved?.id ?? '');
  const busy = create.isPending || update.isPending;
  // A new form counts as changed once it differs from the one it started as.
  const [initial] = useState(draft);
  const dirty = saved ? isDirty(draft, saved) : changedFrom(draft, initial);
  const leaving = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      canEdit && dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );

  const problems = useMemo(() => problemsOf(error instanceof ApiError ? error.details : []), [error]);
  const failed = (e: unknown) => {
    setError(e);
    setTab('build');
  };
  const changeDraft = (change: (d: FormDraft) => FormDraft) => setDraft(change);

  const save = (status?: FormStatus) => {
    setError(null);
    const body = { ...payloadOf(draft), ...(status ? { status } : {}) };
    if (!saved) {
      create.mutate(body, {
        onSuccess: (f) => {
          notifications.show({
            color: 'green',
            message:
              f.status === 'published' ? `“${f.name}” is published` : `“${f.name}” is saved as a draft`,
          });
          leaving.current = true;
          navigate(`/forms/${f.id}`, { replace: true });
        },
        onError: failed,
      });
      return;
    }
    update.mutate(body, {
      onSuccess: (f) => {
        setDraft(draftOf(f));
        notifications.show({
          color: 'green',
          message:
            status === 'published' && saved.status !== 'published'
              ? `“${f.name}” is published: live at /f/${f.slug}`
              : `“${f.name}” is saved`,
        });
      },
      onError: failed,
    });
  };

  const setStatus = (status: FormStatus) => {
    if (!saved) return;
    setError(null);
    update.mutate(
      { status },
      {
        onSuccess: (f) =>
          notifications.show({
            color: status === 'published' ? 'green' : 'gray',
            message:
              status === 'draft'
                ? `“${f.name}” is unpublished: its page and embed stop answering`
                : status === 'archived'
                  ? `“${f.name}” is archived`
                  : `“${f.name}” is published`,
          }),
        onError: failed,
      },
    );
  };

  const status = saved?.status ?? 'draft';
  const title = saved ? saved.name : draft.name.trim() || 'New form';

  return (
    <>
      <Crumbs name={saved ? saved.name : 'New form'} />
      <PageHeader
        title={title}
        description={
          <Group gap="xs" component="span">
            <StatusBadge status={status} />
            {saved ? (
              <Text span size="sm" c="dimmed">
                {status === 'published' ? 'Live at ' : 'Will live at '}
                <Anchor
                  href={`/f/${saved.slug}`}
                  target="_blank"
                  rel="noopener noreferrer"
                  size="sm"
                  ff="monospace"
                >
                  /f/{saved.slug}
                </Anchor>
              </Text>
            ) : (
              <Text span size="sm" c="dimmed">
                Not saved yet
              </Text>
            )}
            {dirty && saved && canEdit ? (
              <Badge color="yellow" variant="light" size="sm">
                Unsaved changes
              </Badge>
            ) : null}
          </Group>
        }
        actions={
          canEdit ? (
            <>
              <Button
                variant="default"
                leftSection={<IconDeviceFloppy size={16} />}
                onClick={() => save()}
                loading={busy && !create.variables?.status && !update.variables?.status}
                disabled={busy || (Boolean(saved) && !dirty)}
              >
                {saved ? 'Save' : 'Save draft'}
              </Button>
              {status === 'published' ? (
                <Button
                  variant="light"
                  color="orange"
                  leftSection={<IconRocketOff size={16} />}
                  onClick={() => setStatus('draft')}
                  disabled={busy}
                >
                  Unpublish
                </Button>
              ) : (
                <Button
                  leftSection={<IconRocket size={16} />}
                  onClick={() => save('published')}
                  loading={busy && (create.variables?.status ?? update.variables?.status) === 'published'}
                  disabled={busy}
                >
                  {dirty ? 'Save and publish' : 'Publish'}
                </Button>
              )}
              {saved ? (
                <Menu position="bottom-end">
                  <Menu.Target>
                    <ActionIcon variant="default" size="lg" aria-label="More actions">
                      <IconDots size={16} />
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {status === 'archived' ? (
                      <Menu.Item onClick={() => setStatus('draft')}>Restore as a draft</Menu.Item>
                    ) : (
                      <Menu.Item
                        leftSection={<IconArchive size={16} />}
                        color="red"
                        onClick={() => setStatus('archived')}
                      >
                        Archive
                      </Menu.Item>
                    )}
                  </Menu.Dropdown>
                </Menu>
              ) : null}
            </>
          ) : null
        }
      />
      <Tabs value={tab} onChange={(v) => v && setTab(v as Tab)} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="build" leftSection={<IconForms size={16} />}>
            Build
          </Tabs.Tab>
          <Tabs.Tab value="share" leftSection={<IconCode size={16} />} disabled={!saved}>
            Share and embed
          </Tabs.Tab>
          <Tabs.Tab
            value="submissions"
            leftSection={<IconInbox size={16} />}
            disabled={!saved || !canSeeSubmissions}
            title={
              canSeeSubmissions
                ? undefined
                : 'Submissions are for marketing: they name every person who filled the form in'
            }
            rightSection={
              saved ? (
                <Badge size="sm" variant="light" circle={saved.submissionCount < 10}>
                  {formatNumber(saved.submissionCount)}
                </Badge>
              ) : null
            }
          >
            Submissions
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="build">
          <Stack gap="md">
            {error instanceof ApiError && problems.size > 0 ? (
              <Alert
                color="red"
                variant="light"
                role="alert"
                title="The form was not saved"
                icon={<IconAlertTriangle size={18} />}
              >
                <Text size="sm">
                  {problems.size === 1 ? 'One problem needs fixing' : `${problems.size} problems need fixing`}
                  ; each is marked beside its setting:
                </Text>
                <List size="sm" mt={4}>
                  {[...problems].map(([field, message]) => (
                    <List.Item key={field}>
                      <Code fz="xs">{field}</Code> {message}
                    </List.Item>
                  ))}
                </List>
              </Alert>
            ) : error ? (
              <ErrorAlert error={error} title="The form was not saved" />
            ) : null}
            {!canEdit ? (
              <Text size="sm" c="dimmed">
                Only marketing and admins can change forms; this is a read-only view.
              </Text>
            ) : null}
            <Grid gap="lg">
              <Grid.Col span={{ base: 12, lg: 7 }}>
                <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
                  <FormBuilder
                    draft={draft}
                    onChange={changeDraft}
                    problems={problems}
                    choices={choices}
                    custom={custom}
                    savedConsents={saved?.consents ?? []}
                    history={history.data?.data ?? []}
                    isNew={!saved}
                  />
                </fieldset>
              </Grid.Col>
              <Grid.Col span={{ base: 12, lg: 5 }}>
                <div style={{ position: 'sticky', top: 72 }}>
                  <FormPreview draft={draft} custom={custom} />
                </div>
              </Grid.Col>
            </Grid>
          </Stack>
        </Tabs.Panel>
        {saved ? (
          <>
            <Tabs.Panel value="share">
              <ShareTab form={saved} />
            </Tabs.Panel>
            {canSeeSubmissions ? (
              <Tabs.Panel value="submissions">
                <SubmissionsTab form={saved} />
              </Tabs.Panel>
            ) : null}
          </>
        ) : null}
      </Tabs>
      <Modal
        opened={blocker.state === 'blocked'}
        onClose={() => blocker.reset?.()}
        title="Leave without saving?"
        centered
      >
        <Text size="sm">The changes you made to this form are not saved yet.</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => blocker.reset?.()}>
            Keep editing
          </Button>
          <Button color="red" onClick={() => blocker.proceed?.()}>
            Leave
          </Button>
        </Group>
      </Modal>
    </>
  );
}
