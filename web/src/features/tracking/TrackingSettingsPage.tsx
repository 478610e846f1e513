import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Grid,
  Group,
  Paper,
  Skeleton,
  Stack,
  Switch,
  TagsInput,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconDeviceFloppy, IconInfoCircle } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { TrackingSettings } from '../../../../contracts/tracking.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatRelative } from '../../lib/format.ts';
import { useSaveTrackingSettings, useTrackingSettings } from './api.ts';

export function TrackingSettingsPage() {
  const settings = useTrackingSettings();
  if (settings.isPending) return <Skeleton h={400} />;
  if (settings.error || !settings.data)
    return <ErrorAlert error={settings.error} title="The tracking settings could not be loaded" />;
  return <TrackingView settings={settings.data} />;
}

/** A code block with a copy button; the text is rendered as text. */
function Snippet({ code, label }: { code: string; label: string }) {
  return (
    <div style={{ position: 'relative' }}>
      <Code
        block
        aria-label={label}
        style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', paddingRight: 48 }}
      >
        {code}
      </Code>
      <CopyButton value={code} timeout={2000}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow position="left">
            <ActionIcon
              variant="default"
              onClick={copy}
              aria-label={copied ? 'Copied' : `Copy ${label.toLowerCase()}`}
              style={{ position: 'absolute', top: 8, right: 8 }}
              color={copied ? 'teal' : undefined}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </div>
  );
}

function TrackingView({ settings }: { settings: TrackingSettings }) {
  const save = useSaveTrackingSettings();
  const [domains, setDomains] = useState(settings.allowedDomains);
  const [requireConsent, setRequireConsent] = useState(settings.requireConsent);
  const [samePerson, setSamePerson] = useState(settings.sameBrowserSamePerson);
  const [consentAttr, setConsentAttr] = useState(false);
  useEffect(() => {
    setDomains(settings.allowedDomains);
    setRequireConsent(settings.requireConsent);
    setSamePerson(settings.sameBrowserSamePerson);
  }, [settings]);
  const dirty =
    JSON.stringify(domains) !== JSON.stringify(settings.allowedDomains) ||
    requireConsent !== settings.requireConsent ||
    samePerson !== settings.sameBrowserSamePerson;
  const error = save.error instanceof ApiError ? save.error : null;
  const origin = window.location.origin;
  const tag = `<script async src="${origin}/t.js"${consentAttr ? ' data-require-consent' : ''}></script>`;
  const usage = [
    '<script>',
    '  // Calls made before t.js has loaded wait in a queue.',
    '  window.leadloop = window.leadloop || function () { (window.leadloop.q = window.leadloop.q || []).push(arguments) };',
    '',
    "  leadloop('track', 'pricing_viewed', { plan: 'team' });",
    "  leadloop('identify', { email: 'ada@example.com', firstName: 'Ada' });",
    '  // After the visitor accepts your cookie banner:',
    "  leadloop('consent', true);",
    '</script>',
  ].join('\n');

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <Stack gap="lg">
          <Paper withBorder radius="md" p="lg">
            <Title order={3} size="h4">
              Tracking snippet
            </Title>
            <Text size="sm" c="dimmed" mb="sm">
              Put this tag on every page of your site, before <Code>{'</head>'}</Code>. It has no dependencies
              and is under 5 KB: it records page views with their UTM values and referrer under a first-party
              cookie, and sends them in batches.
            </Text>
            <Snippet code={tag} label="Tracking snippet" />
            <Checkbox
              mt="sm"
              label="Ask for consent on this site (adds data-require-consent; overrides the default below)"
              checked={consentAttr}
              onChange={(e) => setConsentAttr(e.currentTarget.checked)}
            />
          </Paper>
          <Paper withBorder radius="md" p="lg">
            <Title order={3} size="h4" mb="xs">
              Identify, track and consent
            </Title>
            <Stack gap="xs" mb="sm">
              <Text size="sm">
                <Code>leadloop.identify({'{ email, … }'})</Code> tells Leadloop who the visitor is. Their
                anonymous page views so far join the lead with that email (created if needed); the join is
                recorded on the lead and can be undone there. Form submissions identify too.
              </Text>
              <Text size="sm">
                <Code>leadloop.track(name, props)</Code> records a custom event (a signup, a video played, a
                pricing plan picked) on the visitor’s timeline, with the page it happened on.
              </Text>
              <Text size="sm">
                <Code>leadloop.consent(true | false)</Code> is your cookie banner’s switch. When consent is
                required, nothing is stored or sent until it says true; false removes the visitor cookie.
                Browsers that send Do-Not-Track or Global Privacy Control are never tracked.
              </Text>
            </Stack>
            <Snippet code={usage} label="Usage example" />
          </Paper>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <Paper withBorder radius="md" p="lg">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(
                { allowedDomains: domains, requireConsent, sameBrowserSamePerson: samePerson },
                {
                  onSuccess: () => notifications.show({ color: 'green', message: 'Tracking settings saved' }),
                },
              );
            }}
          >
            <Stack>
              <Title order={3} size="h4">
                Settings
              </Title>
              <ErrorAlert error={error && error.details.length === 0 ? error : null} title="Not saved" />
              <TagsInput
                label="Allowed domains"
                description="Sites that may send events. example.com covers its subdomains; add :port to pin a port. A pasted URL becomes its host."
                placeholder={domains.length === 0 ? 'e.g. example.com' : undefined}
                value={domains}
                onChange={setDomains}
                splitChars={[',', ' ']}
                clearable
                error={error?.details.find((d) => d.field.startsWith('allowedDomains'))?.message}
              />
              {domains.length === 0 ? (
                <Alert color="yellow" variant="light" icon={<IconInfoCircle size={18} />}>
                  No site is allowed yet: pages on other domains are refused until you add theirs.
                </Alert>
              ) : null}
              <Switch
                label="Require consent by default"
                description="Snippets without data-require-consent store and send nothing until leadloop.consent(true)."
                checked={requireConsent}
                onChange={(e) => setRequireConsent(e.currentTarget.checked)}
              />
              <Switch
                label="Same browser, same person"
                description="Off (recommended): a new email on a browser already known as another lead starts a new lead, so two people sharing a computer are not merged. On: the lead is updated instead."
                checked={samePerson}
                onChange={(e) => setSamePerson(e.currentTarget.checked)}
              />
              <Group justify="space-between">
                <Text size="xs" c="dimmed">
                  {settings.updatedAt
                    ? `Changed ${formatRelative(settings.updatedAt)}${settings.updatedBy ? ` by ${settings.updatedBy}` : ''}`
                    : 'Defaults, never changed'}
                </Text>
                <Button
                  type="submit"
                  disabled={!dirty}
                  loading={save.isPending}
                  leftSection={<IconDeviceFloppy size={16} />}
                >
                  Save
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      </Grid.Col>
    </Grid>
  );
}
