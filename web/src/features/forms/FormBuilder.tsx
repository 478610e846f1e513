import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Code,
  Collapse,
  Group,
  Menu,
  MultiSelect,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import {
  IconArrowDown,
  IconArrowUp,
  IconChevronDown,
  IconHistory,
  IconPlus,
  IconTrash,
} from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import type { CustomFieldLike } from '../../../../contracts/form-page.ts';
import {
  type ConsentOption,
  type FieldControl,
  type FormField,
  formLeadStages,
  type HiddenField,
  type HiddenSource,
  hiddenSourceLabels,
  hiddenSources,
} from '../../../../contracts/forms.ts';
import { type ConsentPurpose, consentPurposes, stageLabels } from '../../../../contracts/leads.ts';
import { useDirectory } from '../../components/leads/queries.ts';
import { formatDateTime } from '../../lib/format.ts';
import type { ConsentVersion } from './api.ts';
import {
  consentDefaults,
  controlChoices,
  type FieldChoice,
  type FormDraft,
  type Keyed,
  type Problems,
  problemsUnder,
  purposeLabels,
  takesOptions,
  uid,
} from './draft.ts';

type Setter = (change: (d: FormDraft) => FormDraft) => void;

type FormBuilderProps = {
  draft: FormDraft;
  onChange: Setter;
  problems: Problems;
  choices: FieldChoice[];
  custom: ReadonlyMap<string, CustomFieldLike>;
  /** The consent texts as saved, to tell which ones a save will version. */
  savedConsents: ConsentOption[];
  history: ConsentVersion[];
  /** Whether the form exists yet (a new one gets its address from its name). */
  isNew: boolean;
};

function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <div>
          <Title order={3} size="h5">
            {title}
          </Title>
          {description ? (
            <Text size="sm" c="dimmed">
              {description}
            </Text>
          ) : null}
        </div>
        {children}
      </Stack>
    </Paper>
  );
}

function Problem({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <Text size="sm" c="red" role="alert">
      {messages.join('; ')}
    </Text>
  );
}

function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return list;
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
}

/** The builder: every setting of a form, each showing the server's complaint about it in place. */
export function FormBuilder(props: FormBuilderProps) {
  const { draft, onChange, problems, isNew } = props;
  const set = (patch: Partial<FormDraft>) => onChange((d) => ({ ...d, ...patch }));
  const at = (path: string) => problems.get(path);
  const under = (path: string) => problemsUnder(problems, path);

  return (
    <Stack gap="md">
      <Section title="Form">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Name"
            description="Shown as the heading of the hosted page"
            placeholder="Newsletter sign-up"
            required
            value={draft.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={at('name')}
          />
          <TextInput
            label="Address"
            description={isNew ? 'Made from the name when left empty' : 'Changing it breaks old links'}
            leftSection={<Text size="sm">/f/</Text>}
            leftSectionWidth={36}
            placeholder={isNew ? 'from-the-name' : undefined}
            value={draft.slug}
            onChange={(e) => set({ slug: e.currentTarget.value.toLowerCase() })}
            error={at('slug')}
          />
        </SimpleGrid>
      </Section>
      <FieldsSection {...props} />
      <HiddenFieldsSection {...props} />
      <ConsentsSection {...props} />

      <Section title="After submitting">
        <TextInput
          label="Submit button"
          value={draft.submitLabel}
          onChange={(e) => set({ submitLabel: e.currentTarget.value })}
          error={at('submitLabel')}
        />
        <Textarea
          label="Thank-you message"
          autosize
          minRows={2}
          value={draft.thankYouMessage}
          onChange={(e) => set({ thankYouMessage: e.currentTarget.value })}
          error={at('thankYouMessage')}
        />
        <TextInput
          label="Redirect URL"
          description="Send people to this page instead of showing the message (optional)"
          placeholder="https://www.example.com/thanks"
          value={draft.redirectUrl}
          onChange={(e) => set({ redirectUrl: e.currentTarget.value })}
          error={at('redirectUrl')}
        />
      </Section>

      <NotifySection {...props} />

      <Section
        title="Embedding and protection"
        description="Where the form may be embedded, how new leads are treated, and how bots are kept out."
      >
        <TagsInput
          label="Allowed embedding origins"
          description="Sites that may embed the form and submit it from the browser. Press Enter after each."
          placeholder="https://www.example.com"
          value={draft.allowedOrigins}
          onChange={(v) => set({ allowedOrigins: v.map((o) => o.trim().replace(/\/+$/, '')) })}
          splitChars={[',', ' ']}
          error={under('allowedOrigins').join('; ') || undefined}
        />
        <Switch
          label="Double opt-in"
          description="Email a confirmation link; email-marketing consent stays pending until it is clicked. Needs an email-marketing consent box."
          checked={draft.doubleOptIn}
          onChange={(e) => set({ doubleOptIn: e.currentTarget.checked })}
          error={at('doubleOptIn')}
        />
        <Switch
          label="Hand-raise form"
          description="A demo or contact-sales request: counts towards qualification."
          checked={draft.handRaise}
          onChange={(e) => set({ handRaise: e.currentTarget.checked })}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Stage for new leads"
            data={formLeadStages.map((s) => ({ value: s, label: stageLabels[s] }))}
            value={draft.leadStage}
            onChange={(v) => v && set({ leadStage: v as FormDraft['leadStage'] })}
            allowDeselect={false}
            error={at('leadStage')}
          />
          <NumberInput
            label="Minimum fill time (seconds)"
            description="Faster submissions are taken for bots"
            min={0}
            max={600}
            value={draft.minFillSeconds}
            onChange={(v) => set({ minFillSeconds: typeof v === 'number' ? v : Number(v) || 0 })}
            error={at('minFillSeconds')}
          />
        </SimpleGrid>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Disposable email addresses
          </Text>
          <SegmentedControl
            aria-label="Disposable email addresses"
            value={draft.disposableEmails}
            onChange={(v) => set({ disposableEmails: v as 'flag' | 'reject' })}
            data={[
              { value: 'flag', label: 'Accept and flag' },
              { value: 'reject', label: 'Refuse' },
            ]}
            w="fit-content"
          />
        </Stack>
        <Switch
          label="Accept server-side posts"
          description="Submissions without a render token: API posts and the HubSpot-compatible endpoint (no fill-time or replay check for those)."
          checked={draft.allowTokenless}
          onChange={(e) => set({ allowTokenless: e.currentTarget.checked })}
        />
        <TextInput
          label="HubSpot form GUID"
          description="Answer to this GUID on the HubSpot-compatible endpoint, so a site can switch by changing the URL"
          placeholder="e.g. 1a2b3c4d-…"
          value={draft.hubspotFormGuid}
          onChange={(e) => set({ hubspotFormGuid: e.currentTarget.value })}
          error={at('hubspotFormGuid')}
        />
      </Section>
    </Stack>
  );
}

function FieldsSection({ draft, onChange, problems, choices, custom }: FormBuilderProps) {
  const used = new Set(draft.fields.map((f) => f.key));
  const available = choices.filter((c) => !used.has(c.key));
  const setField = (i: number, patch: Partial<FormField>) =>
    onChange((d) => ({ ...d, fields: d.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) }));
  const add = (key: string | null) => {
    const choice = choices.find((c) => c.key === key);
    if (!choice) return;
    onChange((d) => ({
      ...d,
      fields: [...d.fields, { uid: uid(), key: choice.key, label: choice.label, required: false }],
    }));
  };
  const groups = (['Lead fields', 'Custom fields'] as const)
    .map((group) => ({
      group,
      items: available.filter((c) => c.group === group).map((c) => ({ value: c.key, label: c.label })),
    }))
    .filter((g) => g.items.length > 0);

  return (
    <Section
      title="Fields"
      description="What people fill in. Each answer goes to the lead field or custom field it names."
    >
      <Problem messages={problems.has('fields') ? [problems.get('fields') as string] : []} />
      {draft.fields.length === 0 ? (
        <Text size="sm" c="dimmed">
          No fields yet: add the email at least.
        </Text>
      ) : null}
      {draft.fields.map((f, i) => (
        <FieldCard
          key={f.uid}
          field={f}
          index={i}
          count={draft.fields.length}
          choice={choices.find((c) => c.key === f.key)}
          problems={problems}
          custom={custom}
          onChange={(patch) => setField(i, patch)}
          onMove={(to) => onChange((d) => ({ ...d, fields: move(d.fields, i, to) }))}
          onRemove={() => onChange((d) => ({ ...d, fields: d.fields.filter((_, j) => j !== i) }))}
        />
      ))}
      <Select
        aria-label="Add a field"
        placeholder={available.length ? 'Add a field…' : 'Every field is on the form'}
        leftSection={<IconPlus size={16} />}
        data={groups}
        value={null}
        onChange={add}
        searchable
        disabled={available.length === 0}
        nothingFoundMessage="No field by that name"
        maw={360}
        comboboxProps={{ withinPortal: true }}
      />
    </Section>
  );
}

type FieldCardProps = {
  field: Keyed<FormField>;
  index: number;
  count: number;
  choice: FieldChoice | undefined;
  problems: Problems;
  custom: ReadonlyMap<string, CustomFieldLike>;
  onChange: (patch: Partial<FormField>) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
};

function FieldCard({
  field: f,
  index: i,
  count,
  choice,
  problems,
  custom,
  onChange,
  onMove,
  onRemove,
}: FieldCardProps) {
  const at = (path: string) => problems.get(`fields.${i}.${path}`);
  const name = f.label || f.key;
  const controls = controlChoices(f, custom);
  const def = custom.get(f.key);
  const listOptions = def && (def.type === 'select' || def.type === 'multiselect') ? def.options : null;
  const hasOptions = takesOptions(f.key, custom);
  const customised = Boolean(
    f.placeholder || (f.options && f.options.length > 0) || (f.control && f.control !== 'auto'),
  );
  const troubled = Boolean(at('placeholder') || at('options') || at('control'));
  const [more, setMore] = useState(customised);
  const open = more || troubled;
  return (
    <Paper withBorder radius="md" p="sm" role="group" aria-label={`Field ${name}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap" miw={0}>
            <Text fw={600} truncate style={{ flexShrink: 0, maxWidth: '50%' }}>
              {name}
            </Text>
            <Code fz="xs">{f.key}</Code>
            {choice ? (
              <Badge
                size="sm"
                variant="light"
                tt="none"
                style={{ flexShrink: 0 }}
                color={choice.group === 'Custom fields' ? 'grape' : 'blue'}
              >
                {choice.group === 'Custom fields' ? `Custom: ${choice.kind}` : choice.kind}
              </Badge>
            ) : (
              <Badge size="sm" color="red" variant="light">
                Unknown field
              </Badge>
            )}
          </Group>
          <Group gap={6} wrap="nowrap">
            <Switch
              size="xs"
              label="Required"
              checked={f.required}
              onChange={(e) => onChange({ required: e.currentTarget.checked })}
              aria-label={`${name} is required`}
              mr="xs"
            />
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={`Move ${name} up`}
              disabled={i === 0}
              onClick={() => onMove(i - 1)}
            >
              <IconArrowUp size={16} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={`Move ${name} down`}
              disabled={i === count - 1}
              onClick={() => onMove(i + 1)}
            >
              <IconArrowDown size={16} />
            </ActionIcon>
            <ActionIcon variant="subtle" color="red" aria-label={`Remove ${name}`} onClick={onRemove}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        </Group>
        <Problem messages={[at('key')].filter((m): m is string => Boolean(m))} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label="Label"
            size="sm"
            value={f.label}
            onChange={(e) => onChange({ label: e.currentTarget.value })}
            error={at('label')}
          />
          <TextInput
            label="Help text"
            size="sm"
            placeholder="Shown under the field"
            value={f.helpText ?? ''}
            onChange={(e) => onChange({ helpText: e.currentTarget.value })}
            error={at('helpText')}
          />
        </SimpleGrid>
        {open ? (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label="Placeholder"
                size="sm"
                placeholder="Shown inside the empty field"
                value={f.placeholder ?? ''}
                onChange={(e) => onChange({ placeholder: e.currentTarget.value })}
                error={at('placeholder')}
              />
              {controls.length > 0 ? (
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Show as
                  </Text>
                  <SegmentedControl
                    size="xs"
                    aria-label={`Show ${name} as`}
                    value={f.control ?? 'auto'}
                    onChange={(v) => onChange({ control: v as FieldControl })}
                    data={controls}
                    w="fit-content"
                  />
                  <Problem messages={[at('control')].filter((m): m is string => Boolean(m))} />
                </Stack>
              ) : null}
            </SimpleGrid>
            {hasOptions ? (
              listOptions ? (
                <MultiSelect
                  label="Choices offered"
                  description="All of the field's options when none are picked"
                  size="sm"
                  data={listOptions}
                  searchable
                  value={f.options ?? []}
                  onChange={(v) => onChange({ options: v })}
                  error={at('options')}
                  comboboxProps={{ withinPortal: true }}
                />
              ) : (
                <TagsInput
                  label="Choices"
                  description="Turn the field into a list to choose from. Press Enter after each."
                  size="sm"
                  value={f.options ?? []}
                  onChange={(v) => onChange({ options: v })}
                  error={at('options')}
                />
              )
            ) : null}
          </>
        ) : null}
        {troubled ? null : (
          <Button
            variant="subtle"
            size="compact-xs"
            color="gray"
            w="fit-content"
            onClick={() => setMore((m) => !m)}
            rightSection={
              <IconChevronDown size={12} style={{ transform: open ? 'rotate(180deg)' : undefined }} />
            }
            aria-expanded={open}
            aria-label={`${open ? 'Fewer' : 'More'} settings for ${name}`}
          >
            {open
              ? 'Fewer settings'
              : ['Placeholder', hasOptions ? 'choices' : null, controls.length > 0 ? 'display' : null]
                  .filter(Boolean)
                  .join(', ')}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}

function HiddenFieldsSection({ draft, onChange, problems, choices }: FormBuilderProps) {
  const visible = new Set(draft.fields.map((f) => f.key));
  const data = (['Lead fields', 'Custom fields'] as const)
    .map((group) => ({
      group,
      items: choices
        .filter((c) => c.group === group && c.key !== 'email')
        .map((c) => ({ value: c.key, label: c.label, disabled: visible.has(c.key) })),
    }))
    .filter((g) => g.items.length > 0);
  const setHidden = (i: number, patch: Partial<HiddenField>) =>
    onChange((d) => ({
      ...d,
      hiddenFields: d.hiddenFields.map((h, j) => (j === i ? { ...h, ...patch } : h)),
    }));
  const add = () => {
    const free = choices.find(
      (c) => c.key !== 'email' && !visible.has(c.key) && !draft.hiddenFields.some((h) => h.key === c.key),
    );
    onChange((d) => ({
      ...d,
      hiddenFields: [...d.hiddenFields, { uid: uid(), key: free?.key ?? '', source: 'utm_campaign' }],
    }));
  };
  return (
    <Section
      title="Hidden fields"
      description="Filled without asking: the campaign in the page's UTM values, the page's URL, or a fixed value."
    >
      <Problem messages={problems.has('hiddenFields') ? [problems.get('hiddenFields') as string] : []} />
      {draft.hiddenFields.map((h, i) => (
        <Group
          key={h.uid}
          align="flex-start"
          gap="sm"
          wrap="nowrap"
          role="group"
          aria-label={`Hidden field ${i + 1}`}
        >
          <Select
            label="Fill this field"
            size="sm"
            data={data}
            value={h.key || null}
            onChange={(v) => v && setHidden(i, { key: v })}
            searchable
            allowDeselect={false}
            error={problems.get(`hiddenFields.${i}.key`)}
            flex={1}
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            label="With"
            size="sm"
            data={hiddenSources.map((s) => ({ value: s, label: hiddenSourceLabels[s] }))}
            value={h.source}
            onChange={(v) => v && setHidden(i, { source: v as HiddenSource })}
            allowDeselect={false}
            error={problems.get(`hiddenFields.${i}.source`)}
            flex={1}
            comboboxProps={{ withinPortal: true }}
          />
          {h.source === 'fixed' ? (
            <TextInput
              label="Value"
              size="sm"
              value={h.value ?? ''}
              onChange={(e) => setHidden(i, { value: e.currentTarget.value })}
              error={problems.get(`hiddenFields.${i}.value`)}
              flex={1}
            />
          ) : null}
          <ActionIcon
            variant="subtle"
            color="red"
            mt={28}
            aria-label={`Remove hidden field ${i + 1}`}
            onClick={() =>
              onChange((d) => ({ ...d, hiddenFields: d.hiddenFields.filter((_, j) => j !== i) }))
            }
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="light"
        leftSection={<IconPlus size={16} />}
        onClick={add}
        w="fit-content"
        disabled={draft.hiddenFields.length >= 30}
      >
        Add hidden field
      </Button>
    </Section>
  );
}

/** The number at the end of a consent version (`…/marketing/v3`). */
function versionNumber(version: string | undefined): number | null {
  const m = version ? /\/v(\d+)$/.exec(version) : null;
  return m ? Number(m[1]) : null;
}

function ConsentsSection({ draft, onChange, problems, savedConsents, history }: FormBuilderProps) {
  const usedPurposes = new Set(draft.consents.map((c) => c.purpose));
  const free = consentPurposes.filter((p) => !usedPurposes.has(p));
  const setConsent = (i: number, patch: Partial<ConsentOption>) =>
    onChange((d) => ({ ...d, consents: d.consents.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));
  const add = (purpose: ConsentPurpose) =>
    onChange((d) => ({
      ...d,
      consents: [...d.consents, { uid: uid(), purpose, ...consentDefaults[purpose] }],
    }));
  return (
    <Section
      title="Consent checkboxes"
      description="Every wording is versioned: each lead's consent records the exact text they agreed to. Link words like [privacy policy](https://example.com/privacy)."
    >
      {draft.consents.map((c, i) => {
        const saved = savedConsents.find((s) => s.key === c.key);
        const n = versionNumber(saved?.version);
        const changed = saved ? saved.text !== c.text || saved.purpose !== c.purpose : true;
        const versions = history.filter((v) => v.key === c.key);
        return (
          <Paper
            key={c.uid}
            withBorder
            radius="md"
            p="sm"
            role="group"
            aria-label={`Consent ${purposeLabels[c.purpose]}`}
          >
            <Stack gap="xs">
              <Group justify="space-between">
                <Group gap="xs">
                  <Text fw={600}>{purposeLabels[c.purpose]}</Text>
                  {n !== null && !changed ? (
                    <Badge size="sm" variant="light" color="teal">
                      Version {n}
                    </Badge>
                  ) : (
                    <Badge size="sm" variant="light" color="yellow">
                      {n === null ? 'New: version 1 on save' : `Changed: version ${n + 1} on save`}
                    </Badge>
                  )}
                </Group>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove consent ${purposeLabels[c.purpose]}`}
                  onClick={() => onChange((d) => ({ ...d, consents: d.consents.filter((_, j) => j !== i) }))}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
              <Textarea
                label="Text"
                autosize
                minRows={2}
                value={c.text}
                onChange={(e) => setConsent(i, { text: e.currentTarget.value })}
                error={problems.get(`consents.${i}.text`)}
              />
              <Group align="flex-start">
                <TextInput
                  label="Key"
                  size="sm"
                  description="Names it in the API and on submissions"
                  value={c.key}
                  onChange={(e) => setConsent(i, { key: e.currentTarget.value })}
                  error={problems.get(`consents.${i}.key`)}
                  w={220}
                />
                <Switch
                  mt={30}
                  label="Must be ticked to submit"
                  checked={c.required}
                  onChange={(e) => setConsent(i, { required: e.currentTarget.checked })}
                />
              </Group>
              <Problem
                messages={[problems.get(`consents.${i}.purpose`)].filter((m): m is string => Boolean(m))}
              />
              {versions.length > 0 ? <ConsentHistory versions={versions} /> : null}
            </Stack>
          </Paper>
        );
      })}
      {free.length > 0 ? (
        <Menu position="bottom-start">
          <Menu.Target>
            <Button variant="light" leftSection={<IconPlus size={16} />} w="fit-content">
              Add consent checkbox
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {free.map((p) => (
              <Menu.Item key={p} onClick={() => add(p)}>
                {purposeLabels[p]} consent
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      ) : null}
    </Section>
  );
}

function ConsentHistory({ versions }: { versions: ConsentVersion[] }) {
  const [open, setOpen] = useState(false);
  const newestFirst = versions.slice().reverse();
  return (
    <div>
      <Button
        variant="subtle"
        size="compact-sm"
        leftSection={<IconHistory size={14} />}
        rightSection={
          <IconChevronDown size={14} style={{ transform: open ? 'rotate(180deg)' : undefined }} />
        }
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
      >
        Version history ({versions.length})
      </Button>
      <Collapse expanded={open}>
        {open ? (
          <Timeline bulletSize={18} lineWidth={2} mt="sm" ml="xs" active={0} aria-label="Version history">
            {newestFirst.map((v) => (
              <Timeline.Item key={v.version} title={`Version ${v.number}`}>
                <Text size="xs" c="dimmed">
                  {formatDateTime(v.createdAt)} · <Code fz="xs">{v.version}</Code>
                </Text>
                <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
                  {v.text}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
        ) : null}
      </Collapse>
    </div>
  );
}

function NotifySection({ draft, onChange, problems }: FormBuilderProps) {
  const directory = useDirectory();
  const users = directory.data?.data ?? [];
  const data = users
    .filter((u) => u.active || draft.notify.includes(u.id))
    .map((u) => ({ value: u.id, label: u.active ? `${u.name} (${u.email})` : `${u.name} (deactivated)` }));
  const unknown = draft.notify.filter((id) => !users.some((u) => u.id === id));
  return (
    <Section title="Notifications" description="Who gets an email on every submission.">
      <MultiSelect
        label="People to notify"
        placeholder={draft.notify.length ? undefined : 'Nobody'}
        data={[...data, ...unknown.map((id) => ({ value: id, label: id }))]}
        value={draft.notify}
        onChange={(v) => onChange((d) => ({ ...d, notify: v }))}
        searchable
        nothingFoundMessage="Nobody by that name"
        disabled={directory.isPending}
        error={problemsUnder(problems, 'notify').join('; ') || directory.error?.message}
        comboboxProps={{ withinPortal: true }}
      />
      {draft.notify.length === 0 ? (
        <Alert variant="light" color="gray" p="xs">
          <Text size="sm">Submissions still land on the lead's timeline and in the Submissions tab.</Text>
        </Alert>
      ) : null}
    </Section>
  );
}
