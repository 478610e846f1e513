import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy, IconExternalLink } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { Form } from '../../../../contracts/forms.ts';
import { embedSnippet, hostedUrl } from './api.ts';

function Copyable({ label, value, multiline }: { label: string; value: string; multiline?: boolean }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Code
        block={multiline}
        fz="sm"
        style={{ flex: 1, wordBreak: 'break-all', whiteSpace: multiline ? 'pre-wrap' : undefined }}
        aria-label={label}
        p={multiline ? 'sm' : 6}
      >
        {value}
      </Code>
      <CopyButton value={value} timeout={2000}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
            <ActionIcon
              variant={copied ? 'filled' : 'default'}
              color={copied ? 'teal' : undefined}
              size="lg"
              onClick={copy}
              aria-label={copied ? `${label} copied` : `Copy ${label.toLowerCase()}`}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

function Card({ title, badge, children }: { title: string; badge?: ReactNode; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <Group gap="xs">
          <Title order={3} size="h5">
            {title}
          </Title>
          {badge}
        </Group>
        {children}
      </Stack>
    </Paper>
  );
}

/** Where the form lives and how to put it on a website. */
export function ShareTab({ form }: { form: Form }) {
  const url = hostedUrl(form.slug);
  const snippet = embedSnippet(form.slug);
  const origin = window.location.origin;
  return (
    <Stack gap="md" maw={960}>
      {form.status !== 'published' ? (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} title="Not published">
          Until the form is published, its page and the embed answer “not found”. Publish it from the top of
          this page when it is ready.
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Card title="Hosted page" badge={<Badge variant="light">No website needed</Badge>}>
          <Text size="sm" c="dimmed">
            A page of its own that works in every browser, even without JavaScript. Link to it from emails,
            ads and social posts; add UTM values to the link to credit the campaign.
          </Text>
          <Copyable label="Hosted page URL" value={url} />
          <Button
            component="a"
            href={url}
            target="_blank"
            rel="noopener noreferrer"
            variant="light"
            leftSection={<IconExternalLink size={16} />}
            w="fit-content"
          >
            Open the page
          </Button>
          <Text size="xs" c="dimmed">
            For a campaign link:{' '}
            <Code fz="xs">{`${url}?utm_source=newsletter&utm_medium=email&utm_campaign=spring`}</Code>
          </Text>
        </Card>
        <Card title="Embed on your website" badge={<Badge variant="light">One tag</Badge>}>
          <Text size="sm" c="dimmed">
            Paste this tag where the form should appear. It draws the form with your site's fonts around it,
            sends the answers to Leadloop and shows the thank-you message in place.
          </Text>
          <Copyable label="Embed code" value={snippet} multiline />
          <List size="sm" spacing={4}>
            <List.Item>
              The site must be an allowed embedding origin:{' '}
              {form.allowedOrigins.length > 0 ? (
                form.allowedOrigins.map((o) => (
                  <Code key={o} fz="xs" mr={4}>
                    {o}
                  </Code>
                ))
              ) : (
                <Text span c="orange" size="sm">
                  none yet — add yours under Build › Embedding and protection
                </Text>
              )}
            </List.Item>
            <List.Item>
              To place it elsewhere, add <Code fz="xs">data-leadloop-target="#element-id"</Code> to the tag.
            </List.Item>
            <List.Item>
              With the tracking snippet on the page, the visitor's earlier visits join the lead.
            </List.Item>
          </List>
        </Card>
      </SimpleGrid>
      <Card title="For developers">
        <Text size="sm" c="dimmed">
          Draw the form yourself from its definition (which hands out a single-use token) and post the answers
          as JSON; or keep an existing HubSpot integration and change only its URL.
        </Text>
        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Definition and submissions
          </Text>
          <Copyable label="Definition URL" value={`${origin}/api/v1/public/forms/${form.slug}`} />
          <Copyable label="Submission URL" value={`${origin}/api/v1/public/forms/${form.slug}/submissions`} />
          <Text size="sm" fw={500} mt="xs">
            HubSpot Forms v3–compatible
          </Text>
          <Copyable
            label="HubSpot-compatible URL"
            value={`${origin}/api/v1/public/hubspot/submissions/v3/integration/submit/{portalId}/${form.hubspotFormGuid ?? form.id}`}
          />
          {!form.allowTokenless ? (
            <Text size="xs" c="dimmed">
              Server-side posts need “Accept server-side posts” under Build › Embedding and protection.
            </Text>
          ) : null}
          <Anchor href="/api/docs" target="_blank" rel="noopener noreferrer" size="sm">
            API reference
          </Anchor>
        </Stack>
      </Card>
    </Stack>
  );
}
