import { Badge, Group, Paper, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';
import { useMemo, useRef, useState } from 'react';
import {
  type CustomFieldLike,
  renderFormDocument,
  renderMessageDocument,
} from '../../../../contracts/form-page.ts';
import { hiddenSourceLabels } from '../../../../contracts/forms.ts';
import { type FormDraft, renderableOf } from './draft.ts';

type FormPreviewProps = { draft: FormDraft; custom: ReadonlyMap<string, CustomFieldLike> };

/**
 * The hosted page as it will look, drawn by the same renderer the server uses, in a sandboxed
 * frame (no scripts may run in it). It follows every keystroke in the builder.
 */
export function FormPreview({ draft, custom }: FormPreviewProps) {
  const [view, setView] = useState<'form' | 'thanks'>('form');
  const [height, setHeight] = useState(560);
  const frame = useRef<HTMLIFrameElement>(null);
  const form = useMemo(() => renderableOf(draft, custom), [draft, custom]);
  const html = useMemo(
    () =>
      view === 'form'
        ? renderFormDocument(form, { action: '#', preview: true })
        : renderMessageDocument({
            title: form.name,
            heading: form.name,
            message: draft.thankYouMessage || ' ',
            tone: 'success',
          }),
    [view, form, draft.thankYouMessage],
  );

  const fit = () => {
    const doc = frame.current?.contentDocument;
    if (doc?.documentElement) setHeight(Math.max(320, doc.documentElement.scrollHeight + 4));
  };

  return (
    <Paper withBorder radius="md" p="md" aria-label="Live preview" component="section">
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap={6}>
            <IconEye size={18} />
            <Text fw={600}>Live preview</Text>
          </Group>
          <SegmentedControl
            size="xs"
            value={view}
            onChange={(v) => setView(v as 'form' | 'thanks')}
            data={[
              { value: 'form', label: 'Form' },
              { value: 'thanks', label: draft.redirectUrl.trim() ? 'After submit' : 'Thank-you' },
            ]}
            aria-label="Preview page"
          />
        </Group>
        {view === 'thanks' && draft.redirectUrl.trim() ? (
          <Text size="sm" c="dimmed">
            People are sent to <b>{draft.redirectUrl.trim()}</b> after submitting; the message below is shown
            only where a redirect is not possible.
          </Text>
        ) : null}
        <iframe
          ref={frame}
          title="Form preview"
          srcDoc={html}
          sandbox="allow-same-origin"
          onLoad={fit}
          style={{
            width: '100%',
            height,
            border: '1px solid var(--mantine-color-default-border)',
            borderRadius: 8,
            background: '#f1f3f5',
            display: 'block',
          }}
        />
        {draft.hiddenFields.length > 0 ? (
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              Sent along unseen:
            </Text>
            <Group gap={6}>
              {draft.hiddenFields.map((h) => (
                <Badge key={h.uid} variant="light" color="gray" tt="none">
                  {h.key} ← {h.source === 'fixed' ? `“${h.value ?? ''}”` : hiddenSourceLabels[h.source]}
                </Badge>
              ))}
            </Group>
          </Stack>
        ) : null}
      </Stack>
    </Paper>
  );
}
