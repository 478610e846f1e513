/**
 * Forms: the builder's resource, its submissions, and the public definition and submission shapes
 * the hosted page, the embed script and integrators use. Shared by the server's route schemas and
 * the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';
import { consentPurposes } from './leads.ts';

export const formStatuses = ['draft', 'published', 'archived'] as const;
export type FormStatus = (typeof formStatuses)[number];

export const formStatusLabels: Record<FormStatus, string> = {
  draft: 'Draft',
  published: 'Published',
  archived: 'Archived',
};

/** The stage a form gives new leads: newsletters make subscribers, gated content makes leads. */
export const formLeadStages = ['subscriber', 'lead'] as const;
export type FormLeadStage = (typeof formLeadStages)[number];

/** What a hidden field is filled with: a fixed value, or a value the page carried. */
export const hiddenSources = [
  'fixed',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'page_url',
  'referrer',
] as const;
export type HiddenSource = (typeof hiddenSources)[number];

export const hiddenSourceLabels: Record<HiddenSource, string> = {
  fixed: 'A fixed value',
  utm_source: 'UTM source of the page',
  utm_medium: 'UTM medium of the page',
  utm_campaign: 'UTM campaign of the page',
  utm_term: 'UTM term of the page',
  utm_content: 'UTM content of the page',
  page_url: 'URL of the page',
  referrer: 'Referrer of the page',
};

/** Controls a field can be shown as; `auto` picks the one that fits the field's type. */
export const fieldControls = ['auto', 'textarea', 'radio'] as const;
export type FieldControl = (typeof fieldControls)[number];

export const FIELD_KEY_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]{0,62}$';
export const CONSENT_KEY_PATTERN = '^[a-z][a-z0-9_]{0,39}$';
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';
export const ORIGIN_PATTERN = '^https?://[a-zA-Z0-9.-]+(?::[0-9]{1,5})?$';
/** Slugs the hosted pages' own paths use. */
export const reservedSlugs = ['confirm', 'embed', 'thanks'] as const;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** A visible field: a standard lead property (`email`, `firstName`…) or a custom field, by key. */
export const FormField = Type.Object(
  {
    key: Type.String({
      pattern: FIELD_KEY_PATTERN,
      description: 'A standard lead field (email, firstName…) or a custom field key',
    }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    required: Type.Boolean(),
    helpText: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    placeholder: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    control: Type.Optional(Type.Enum(fieldControls)),
    options: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 200,
        description:
          'Choices: a standard text field becomes a list; a custom select may offer a subset of its options',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FormField = Static<typeof FormField>;

export const HiddenField = Type.Object(
  {
    key: Type.String({ pattern: FIELD_KEY_PATTERN, description: 'The lead field or custom field to fill' }),
    source: Type.Enum(hiddenSources),
    value: Type.Optional(Nullable(Type.String({ maxLength: 500, description: 'For `fixed`' }))),
  },
  { additionalProperties: false },
);
export type HiddenField = Static<typeof HiddenField>;

export const ConsentOption = Type.Object(
  {
    key: Type.String({ pattern: CONSENT_KEY_PATTERN }),
    purpose: Type.Enum(consentPurposes),
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    required: Type.Boolean(),
    version: Type.Optional(
      Type.String({
        description:
          'Read only: the version of the text, recorded on submissions and on the lead’s consent (textVersion). Changing the text makes a new version.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ConsentOption = Static<typeof ConsentOption>;

const formProperties = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  slug: Type.String({ pattern: SLUG_PATTERN, description: 'The hosted page lives at /f/{slug}' }),
  status: Type.Enum(formStatuses),
  fields: Type.Array(FormField, { maxItems: 60 }),
  hiddenFields: Type.Array(HiddenField, { maxItems: 30 }),
  consents: Type.Array(ConsentOption, { maxItems: 10 }),
  submitLabel: Type.String({ minLength: 1, maxLength: 100 }),
  thankYouMessage: Type.String({ minLength: 1, maxLength: 2000 }),
  redirectUrl: Nullable(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^\\s]+$',
      description: 'Send people here after submitting, instead of showing the thank-you message',
    }),
  ),
  notify: Type.Array(Type.String({ maxLength: 64 }), {
    maxItems: 20,
    description: 'User ids emailed on every submission',
  }),
  allowedOrigins: Type.Array(Type.String({ pattern: ORIGIN_PATTERN, maxLength: 300 }), {
    maxItems: 50,
    description: 'Sites that may embed the form and submit it from the browser, e.g. https://www.example.com',
  }),
  doubleOptIn: Type.Boolean({
    description: 'Email a confirmation link; email-marketing consent stays pending until it is clicked',
  }),
  handRaise: Type.Boolean({
    description: 'A demo or contact-sales request: recorded on the touchpoint for the qualification policy',
  }),
  leadStage: Type.Enum(formLeadStages, { description: 'The stage new leads get' }),
  disposableEmails: Type.Enum(['flag', 'reject'], {
    description: 'Addresses at disposable-mail domains: accept and flag, or refuse (422)',
  }),
  allowTokenless: Type.Boolean({
    description:
      'Accept submissions without a render token: server-side API posts and the HubSpot-compatible endpoint (no minimum fill time or replay check for those)',
  }),
  minFillSeconds: Type.Integer({
    minimum: 0,
    maximum: 600,
    description: 'Faster submissions are taken for bots and dropped silently',
  }),
  hubspotFormGuid: Nullable(
    Type.String({
      pattern: '^[A-Za-z0-9-]{1,64}$',
      description: 'The HubSpot form GUID this form answers to on the HubSpot-compatible endpoint',
    }),
  ),
};

/** Creating a form: a name is enough; everything else has a sensible default. */
export const FormCreate = Type.Object(
  {
    name: formProperties.name,
    slug: Type.Optional(formProperties.slug),
    status: Type.Optional(formProperties.status),
    fields: Type.Optional(formProperties.fields),
    hiddenFields: Type.Optional(formProperties.hiddenFields),
    consents: Type.Optional(formProperties.consents),
    submitLabel: Type.Optional(formProperties.submitLabel),
    thankYouMessage: Type.Optional(formProperties.thankYouMessage),
    redirectUrl: Type.Optional(formProperties.redirectUrl),
    notify: Type.Optional(formProperties.notify),
    allowedOrigins: Type.Optional(formProperties.allowedOrigins),
    doubleOptIn: Type.Optional(formProperties.doubleOptIn),
    handRaise: Type.Optional(formProperties.handRaise),
    leadStage: Type.Optional(formProperties.leadStage),
    disposableEmails: Type.Optional(formProperties.disposableEmails),
    allowTokenless: Type.Optional(formProperties.allowTokenless),
    minFillSeconds: Type.Optional(formProperties.minFillSeconds),
    hubspotFormGuid: Type.Optional(formProperties.hubspotFormGuid),
  },
  { additionalProperties: false },
);
export type FormCreate = Static<typeof FormCreate>;

export const FormUpdate = Type.Object(
  {
    name: Type.Optional(formProperties.name),
    slug: Type.Optional(formProperties.slug),
    status: Type.Optional(formProperties.status),
    fields: Type.Optional(formProperties.fields),
    hiddenFields: Type.Optional(formProperties.hiddenFields),
    consents: Type.Optional(formProperties.consents),
    submitLabel: Type.Optional(formProperties.submitLabel),
    thankYouMessage: Type.Optional(formProperties.thankYouMessage),
    redirectUrl: Type.Optional(formProperties.redirectUrl),
    notify: Type.Optional(formProperties.notify),
    allowedOrigins: Type.Optional(formProperties.allowedOrigins),
    doubleOptIn: Type.Optional(formProperties.doubleOptIn),
    handRaise: Type.Optional(formProperties.handRaise),
    leadStage: Type.Optional(formProperties.leadStage),
    disposableEmails: Type.Optional(formProperties.disposableEmails),
    allowTokenless: Type.Optional(formProperties.allowTokenless),
    minFillSeconds: Type.Optional(formProperties.minFillSeconds),
    hubspotFormGuid: Type.Optional(formProperties.hubspotFormGuid),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type FormUpdate = Static<typeof FormUpdate>;

export const Form = Type.Object({
  id: Type.String(),
  ...formProperties,
  submissionCount: Type.Integer({ description: 'Accepted submissions (spam not counted)' }),
  spamCount: Type.Integer(),
  lastSubmissionAt: Nullable(Type.String({ format: 'date-time' })),
  publishedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Form = Static<typeof Form>;

/** The parts of a form that decide how it looks: what the hosted page, the embed and the preview draw. */
export type FormLook = Pick<
  Form,
  'name' | 'slug' | 'fields' | 'hiddenFields' | 'consents' | 'submitLabel' | 'thankYouMessage'
>;

export const submissionStatuses = ['accepted', 'pending', 'confirmed', 'spam'] as const;
export type SubmissionStatus = (typeof submissionStatuses)[number];

export const spamReasons = ['honeypot', 'too_fast', 'bot'] as const;
export type SpamReason = (typeof spamReasons)[number];

export const Submission = Type.Object({
  id: Type.String(),
  formId: Type.String(),
  status: Type.Enum(submissionStatuses, {
    description: 'accepted; pending (waiting for the double opt-in click); confirmed; spam (no lead)',
  }),
  spam: Type.Boolean(),
  spamReason: Nullable(Type.Enum(spamReasons)),
  disposable: Type.Boolean({ description: 'The email is at a disposable-mail domain' }),
  pendingConfirmation: Type.Boolean(),
  leadId: Nullable(Type.String()),
  email: Nullable(Type.String()),
  values: Type.Record(Type.String(), Type.Unknown(), { description: 'What was submitted, by field key' }),
  consents: Type.Record(
    Type.String(),
    Type.Object({ purpose: Type.String(), given: Type.Boolean(), textVersion: Nullable(Type.String()) }),
  ),
  pageUrl: Nullable(Type.String()),
  utm: Type.Record(Type.String(), Type.String()),
  visitorId: Nullable(Type.String()),
  via: Type.Enum(['hosted', 'embed', 'api', 'hubspot']),
  createdAt: Type.String({ format: 'date-time' }),
  confirmedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type Submission = Static<typeof Submission>;

/** A field as the public definition gives it: everything needed to draw and check it. */
export const PublicField = Type.Object({
  name: Type.String({ description: 'The key to send the value under (in `fields`)' }),
  label: Type.String(),
  type: Type.Enum(['email', 'text', 'tel', 'url', 'number', 'date', 'checkbox', 'select', 'multiselect']),
  control: Type.Enum(['input', 'textarea', 'select', 'radio', 'checkbox', 'checkboxes']),
  required: Type.Boolean(),
  helpText: Nullable(Type.String()),
  placeholder: Nullable(Type.String()),
  options: Type.Array(Type.String()),
  maxLength: Nullable(Type.Integer()),
  autocomplete: Nullable(Type.String({ description: 'The browser autofill hint' })),
});
export type PublicField = Static<typeof PublicField>;

export const PublicForm = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  fields: Type.Array(PublicField),
  consents: Type.Array(
    Type.Object({
      key: Type.String(),
      purpose: Type.String(),
      text: Type.String(),
      parts: Type.Array(Type.Object({ text: Type.String(), href: Type.Optional(Type.String()) }), {
        description: 'The text split around its [words](https://…) links, to draw without parsing HTML',
      }),
      required: Type.Boolean(),
      version: Type.String(),
    }),
  ),
  submitLabel: Type.String(),
  token: Type.String({ description: 'Send back as `token`: proves the form was drawn, and when' }),
  submitUrl: Type.String(),
});
export type PublicForm = Static<typeof PublicForm>;

const Utm = Type.Object(
  {
    source: Type.Optional(Type.String({ maxLength: 500 })),
    medium: Type.Optional(Type.String({ maxLength: 500 })),
    campaign: Type.Optional(Type.String({ maxLength: 500 })),
    term: Type.Optional(Type.String({ maxLength: 500 })),
    content: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const FieldValue = Type.Union([
  Type.String({ maxLength: 10_000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 }),
  Type.Null(),
]);

export const PublicSubmission = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 2000, description: 'The token the definition gave' })),
    fields: Type.Record(Type.String({ maxLength: 64 }), FieldValue, { maxProperties: 100 }),
    consents: Type.Optional(
      Type.Record(Type.String({ maxLength: 40 }), Type.Boolean(), { maxProperties: 20 }),
    ),
    page: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ maxLength: 4000 })),
          title: Type.Optional(Type.String({ maxLength: 1000 })),
          referrer: Type.Optional(Type.String({ maxLength: 4000 })),
        },
        { additionalProperties: false },
      ),
    ),
    utm: Type.Optional(Utm),
    visitorId: Type.Optional(Type.String({ maxLength: 200 })),
    honeypot: Type.Optional(
      Type.String({ maxLength: 10_000, description: 'The hidden trap field; people leave it empty' }),
    ),
  },
  { additionalProperties: false },
);
export type PublicSubmission = Static<typeof PublicSubmission>;

export const SubmissionAccepted = Type.Object({
  id: Type.String(),
  status: Type.Literal('accepted'),
  message: Type.String({ description: 'The thank-you message to show' }),
  redirectUrl: Nullable(Type.String()),
  confirmationRequired: Type.Boolean({ description: 'A confirmation link was emailed (double opt-in)' }),
});
export type SubmissionAccepted = Static<typeof SubmissionAccepted>;

export const formErrors = {
  FORM_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No form has this id, or (on public endpoints) no published form has this slug.',
  },
  FORM_SLUG_TAKEN: { status: 409, kind: 'conflict', description: 'Another form already uses this slug.' },
  FORM_HUBSPOT_GUID_TAKEN: {
    status: 409,
    kind: 'conflict',
    description: 'Another form already answers to this HubSpot form GUID.',
  },
  FORM_ORIGIN_FORBIDDEN: {
    status: 403,
    kind: 'auth',
    description:
      'The request came from a site (Origin) that is not among the form’s allowed embedding origins; the message names it.',
  },
  FORM_TOKEN_INVALID: {
    status: 400,
    kind: 'user',
    description:
      'The render token is missing, forged, expired or for another form. Reload the form; API posts without a token need a form that allows them.',
  },
  SUBMISSION_REPLAYED: {
    status: 409,
    kind: 'conflict',
    description: 'This render token was already used for a submission; the form was sent once already.',
  },
  DISPOSABLE_EMAIL_REJECTED: {
    status: 422,
    kind: 'user',
    description: 'The form refuses addresses at disposable-mail domains; `details` names the `email` field.',
  },
  CONFIRMATION_INVALID: {
    status: 404,
    kind: 'user',
    description: 'The confirmation link is not one Leadloop made, or its submission no longer exists.',
  },
  CONFIRMATION_EXPIRED: {
    status: 422,
    kind: 'user',
    description: 'The confirmation link has expired; submit the form again to get a new one.',
  },
} as const satisfies Record<string, ErrorSpec>;
