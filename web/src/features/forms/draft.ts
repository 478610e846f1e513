/**
 * The builder's working copy of a form: what the inputs edit, what the preview draws and what
 * Save sends. Pure functions, no React.
 */
import { type CustomFieldLike, publicFieldOf, type RenderableForm } from '../../../../contracts/form-page.ts';
import type {
  ConsentOption,
  FieldControl,
  Form,
  FormCreate,
  FormField,
  FormLeadStage,
  HiddenField,
} from '../../../../contracts/forms.ts';
import {
  type ConsentPurpose,
  type CustomFieldDefinition,
  type StandardField,
  standardFieldKeys,
  standardFields,
} from '../../../../contracts/leads.ts';

/** A list item with a key of its own, so React keeps its inputs while items move. */
export type Keyed<T> = T & { uid: string };

export type FormDraft = {
  name: string;
  /** Empty on a new form: the server makes one from the name. */
  slug: string;
  fields: Keyed<FormField>[];
  hiddenFields: Keyed<HiddenField>[];
  consents: Keyed<ConsentOption>[];
  submitLabel: string;
  thankYouMessage: string;
  redirectUrl: string;
  notify: string[];
  allowedOrigins: string[];
  doubleOptIn: boolean;
  handRaise: boolean;
  leadStage: FormLeadStage;
  disposableEmails: 'flag' | 'reject';
  allowTokenless: boolean;
  minFillSeconds: number;
  hubspotFormGuid: string;
};

let counter = 0;
export function uid(): string {
  counter += 1;
  return `k${counter}`;
}

const keyed = <T extends object>(items: T[]): Keyed<T>[] => items.map((i) => ({ ...i, uid: uid() }));

/** What a new form starts with (the same fields the server gives a form created with a name only). */
export function newDraft(): FormDraft {
  return {
    name: '',
    slug: '',
    fields: keyed<FormField>([
      { key: 'email', label: 'Work email', required: true, placeholder: 'you@company.com' },
      { key: 'firstName', label: 'First name', required: false },
      { key: 'lastName', label: 'Last name', required: false },
      { key: 'companyName', label: 'Company', required: false },
    ]),
    hiddenFields: [],
    consents: [],
    submitLabel: 'Submit',
    thankYouMessage: 'Thank you! We received your details.',
    redirectUrl: '',
    notify: [],
    allowedOrigins: [],
    doubleOptIn: false,
    handRaise: false,
    leadStage: 'lead',
    disposableEmails: 'flag',
    allowTokenless: false,
    minFillSeconds: 3,
    hubspotFormGuid: '',
  };
}

export function draftOf(form: Form): FormDraft {
  return {
    name: form.name,
    slug: form.slug,
    fields: keyed(form.fields),
    hiddenFields: keyed(form.hiddenFields),
    consents: keyed(form.consents),
    submitLabel: form.submitLabel,
    thankYouMessage: form.thankYouMessage,
    redirectUrl: form.redirectUrl ?? '',
    notify: form.notify,
    allowedOrigins: form.allowedOrigins,
    doubleOptIn: form.doubleOptIn,
    handRaise: form.handRaise,
    leadStage: form.leadStage,
    disposableEmails: form.disposableEmails,
    allowTokenless: form.allowTokenless,
    minFillSeconds: form.minFillSeconds,
    hubspotFormGuid: form.hubspotFormGuid ?? '',
  };
}

const orNull = (s: string | null | undefined) => (s && s.trim() !== '' ? s : null);

/** The body Save sends (status apart): empty texts as null, the builder's own keys dropped. */
export function payloadOf(d: FormDraft): Omit<FormCreate, 'status'> {
  return {
    name: d.name.trim(),
    ...(d.slug.trim() ? { slug: d.slug.trim() } : {}),
    fields: d.fields.map(({ uid: _u, ...f }) => {
      const out: FormField = { key: f.key, label: f.label, required: f.required };
      // The fields are replaced whole: an empty help text or placeholder is simply left out.
      const helpText = orNull(f.helpText);
      const placeholder = orNull(f.placeholder);
      if (helpText) out.helpText = helpText;
      if (placeholder) out.placeholder = placeholder;
      if (f.control && f.control !== 'auto') out.control = f.control;
      if (f.options && f.options.length > 0) out.options = f.options;
      return out;
    }),
    hiddenFields: d.hiddenFields.map(({ uid: _u, ...h }) =>
      h.source === 'fixed'
        ? { key: h.key, source: h.source, value: h.value ?? '' }
        : { key: h.key, source: h.source },
    ),
    consents: d.consents.map(({ key, purpose, text, required }) => ({ key, purpose, text, required })),
    submitLabel: d.submitLabel,
    thankYouMessage: d.thankYouMessage,
    redirectUrl: orNull(d.redirectUrl?.trim()),
    notify: d.notify,
    allowedOrigins: d.allowedOrigins,
    doubleOptIn: d.doubleOptIn,
    handRaise: d.handRaise,
    leadStage: d.leadStage,
    disposableEmails: d.disposableEmails,
    allowTokenless: d.allowTokenless,
    minFillSeconds: d.minFillSeconds,
    hubspotFormGuid: orNull(d.hubspotFormGuid?.trim()),
  };
}

/** Whether two drafts would save differently. */
export function changedFrom(draft: FormDraft, base: FormDraft): boolean {
  return JSON.stringify(payloadOf(draft)) !== JSON.stringify(payloadOf(base));
}

/** Whether the draft differs from what the server holds. */
export function isDirty(draft: FormDraft, saved: Form | undefined): boolean {
  return saved ? changedFrom(draft, draftOf(saved)) : true;
}

export function customMapOf(defs: readonly CustomFieldDefinition[]): Map<string, CustomFieldLike> {
  return new Map(defs.map((d) => [d.key, d]));
}

/** The draft as the hosted page would draw it; fields that name nothing are left out. */
export function renderableOf(d: FormDraft, custom: ReadonlyMap<string, CustomFieldLike>): RenderableForm {
  return {
    name: d.name.trim() || 'Untitled form',
    fields: d.fields.flatMap((f) => {
      const { uid: _u, ...field } = f;
      const pf = publicFieldOf(field, custom);
      return pf ? [pf] : [];
    }),
    consents: d.consents.map((c) => ({ key: c.key, purpose: c.purpose, text: c.text, required: c.required })),
    submitLabel: d.submitLabel || 'Submit',
  };
}

export type FieldChoice = {
  key: string;
  label: string;
  group: 'Lead fields' | 'Custom fields';
  /** What kind of value it holds, in words. */
  kind: string;
};

const customKinds: Record<CustomFieldDefinition['type'], string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes / no',
  select: 'One of a list',
  multiselect: 'Several of a list',
};

/** Every field a form can ask for: the lead fields, then the live custom fields. */
export function fieldChoices(defs: readonly CustomFieldDefinition[]): FieldChoice[] {
  return [
    ...standardFieldKeys.map((key) => ({
      key,
      label: standardFields[key].label,
      group: 'Lead fields' as const,
      kind: key === 'email' ? 'Email' : standardFields[key].type === 'number' ? 'Number' : 'Text',
    })),
    ...defs
      .filter((d) => !d.archived)
      .map((d) => ({
        key: d.key,
        label: d.label,
        group: 'Custom fields' as const,
        kind: customKinds[d.type],
      })),
  ];
}

export function isStandardKey(key: string): key is StandardField {
  return Object.hasOwn(standardFields, key);
}

/** The controls a field may be drawn with, by what it holds; [] when there is no choice. */
export function controlChoices(
  field: FormField,
  custom: ReadonlyMap<string, CustomFieldLike>,
): { value: FieldControl; label: string }[] {
  const { uid: _u, ...f } = field as Keyed<FormField>;
  const pf = publicFieldOf(f, custom);
  if (!pf) return [];
  if (pf.type === 'text')
    return [
      { value: 'auto', label: 'One line' },
      { value: 'textarea', label: 'Several lines' },
    ];
  if (pf.type === 'select')
    return [
      { value: 'auto', label: 'Drop-down' },
      { value: 'radio', label: 'Radio buttons' },
    ];
  return [];
}

/** Whether a field may offer its own list of choices (lead text fields, custom text and lists). */
export function takesOptions(key: string, custom: ReadonlyMap<string, CustomFieldLike>): boolean {
  if (isStandardKey(key)) return standardFields[key].type === 'text' && key !== 'email';
  const def = custom.get(key);
  return def ? ['text', 'select', 'multiselect'].includes(def.type) : false;
}

export const purposeLabels: Record<ConsentPurpose, string> = {
  emailMarketing: 'Email marketing',
  tracking: 'Tracking',
};

export const consentDefaults: Record<ConsentPurpose, Omit<ConsentOption, 'purpose'>> = {
  emailMarketing: {
    key: 'marketing',
    text: 'Yes, send me news and offers by email. I can unsubscribe at any time.',
    required: false,
  },
  tracking: {
    key: 'tracking',
    text: 'I agree to analytics cookies that show which pages I visit.',
    required: false,
  },
};

/** The server's message for one path (`fields.2.label`), when it named it. */
export type Problems = ReadonlyMap<string, string>;

/** What a pattern asks for, in words, by the path it checks (the server names the regular expression). */
const patternWords: [RegExp, string][] = [
  [/^redirectUrl$/, 'must be a full address starting with https:// or http://'],
  [/^slug$/, 'use lower-case letters, digits and dashes (not at the start or end)'],
  [/^allowedOrigins\.\d+$/, 'must be a site like https://www.example.com (no path, no trailing slash)'],
  [/^consents\.\d+\.key$/, 'use lower-case letters, digits and _ (starting with a letter)'],
  [/^hubspotFormGuid$/, 'use letters, digits and dashes only'],
];

export function problemsOf(
  details: readonly { field: string; rule?: string; message: string }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of details) {
    if (out.has(d.field)) continue;
    const words =
      d.rule === 'pattern'
        ? patternWords.find(([re]) => re.test(d.field))?.[1]
        : d.rule === 'minLength' && /fewer than 1 character/.test(d.message)
          ? 'cannot be empty'
          : undefined;
    out.set(d.field, words ?? d.message);
  }
  return out;
}

/** The messages at a path and below it (`fields.2` finds `fields.2.options` too). */
export function problemsUnder(problems: Problems, path: string): string[] {
  const out: string[] = [];
  for (const [field, message] of problems)
    if (field === path || field.startsWith(`${path}.`)) out.push(message);
  return out;
}
