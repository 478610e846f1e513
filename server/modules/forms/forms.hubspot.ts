/**
 * The HubSpot Forms v3 submission shape (`POST …/submissions/v3/integration/submit/{portalId}/{formGuid}`),
 * so a site can move from HubSpot by changing the URL: its body mapped onto a Leadloop form, and
 * its answers and errors shaped as HubSpot shapes them.
 */
import { createHash } from 'node:crypto';
import Type, { type Static } from 'typebox';
import type { ErrorDetail } from '../../platform/errors.ts';
import type { RawSubmission } from './forms.rules.ts';
import type { LoadedForm } from './forms.service.ts';

export const HubspotSubmission = Type.Object(
  {
    fields: Type.Array(
      Type.Object(
        {
          objectTypeId: Type.Optional(Type.String({ maxLength: 20 })),
          name: Type.String({ minLength: 1, maxLength: 100 }),
          value: Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
    context: Type.Optional(
      Type.Object(
        {
          pageUri: Type.Optional(Type.String({ maxLength: 4000 })),
          pageName: Type.Optional(Type.String({ maxLength: 1000 })),
          hutk: Type.Optional(Type.String({ maxLength: 200 })),
          ipAddress: Type.Optional(Type.String({ maxLength: 100 })),
          pageId: Type.Optional(Type.String({ maxLength: 100 })),
          sfdcCampaignId: Type.Optional(Type.String({ maxLength: 100 })),
          goToWebinarWebinarKey: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    legalConsentOptions: Type.Optional(
      Type.Object(
        {
          consent: Type.Optional(
            Type.Object(
              {
                consentToProcess: Type.Optional(Type.Boolean()),
                text: Type.Optional(Type.String({ maxLength: 5000 })),
                communications: Type.Optional(
                  Type.Array(
                    Type.Object(
                      {
                        value: Type.Boolean(),
                        subscriptionTypeId: Type.Optional(
                          Type.Union([Type.Integer(), Type.String({ maxLength: 50 })]),
                        ),
                        text: Type.Optional(Type.String({ maxLength: 5000 })),
                      },
                      { additionalProperties: false },
                    ),
                    { maxItems: 20 },
                  ),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          legitimateInterest: Type.Optional(
            Type.Object(
              {
                value: Type.Optional(Type.Boolean()),
                subscriptionTypeId: Type.Optional(
                  Type.Union([Type.Integer(), Type.String({ maxLength: 50 })]),
                ),
                legalBasis: Type.Optional(Type.String({ maxLength: 100 })),
                text: Type.Optional(Type.String({ maxLength: 5000 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    submittedAt: Type.Optional(Type.Union([Type.String({ maxLength: 30 }), Type.Number()])),
    skipValidation: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type HubspotSubmission = Static<typeof HubspotSubmission>;

/** HubSpot's contact property names → Leadloop lead fields. Other names are custom field keys. */
export const hubspotProperties: Record<string, string> = {
  email: 'email',
  firstname: 'firstName',
  lastname: 'lastName',
  company: 'companyName',
  jobtitle: 'jobTitle',
  phone: 'phone',
  mobilephone: 'phone',
  website: 'website',
  country: 'country',
  city: 'city',
  industry: 'industry',
};

const hubspotNameOf: Record<string, string> = Object.fromEntries(
  Object.entries(hubspotProperties)
    .filter(([name]) => name !== 'mobilephone')
    .map(([name, key]) => [key, name]),
);

/** The HubSpot body as a Leadloop submission of the form; `names` remembers each key's HubSpot name. */
export function fromHubspot(
  body: HubspotSubmission,
  form: LoadedForm,
): { raw: RawSubmission; visitorId: string | undefined; names: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const multi = new Set(form.fields.filter((f) => f.type === 'multiselect').map((f) => f.name));
  for (const f of body.fields) {
    const key = hubspotProperties[f.name.toLowerCase()] ?? f.name;
    names.set(key, f.name);
    let value: unknown = f.value;
    // HubSpot sends a multiple-checkbox answer as "a;b", or as the same name twice.
    if (multi.has(key) && typeof value === 'string') value = value.split(';').filter((v) => v.trim() !== '');
    const before = values[key];
    if (before !== undefined && multi.has(key))
      values[key] = [...(before as string[]), ...(Array.isArray(value) ? value : [String(value)])];
    else values[key] = value;
  }
  const consents: Record<string, boolean> = {};
  const consentVersions: Record<string, string> = {};
  const communications = body.legalConsentOptions?.consent?.communications ?? [];
  const marketing = form.def.consents.find((c) => c.purpose === 'emailMarketing');
  const agreed = communications.find((c) => c.value === true);
  if (marketing && agreed) {
    consents[marketing.key] = true;
    // The site showed its own wording: recorded by its fingerprint unless it is the form's.
    const text = agreed.text?.trim();
    if (text && text !== marketing.text)
      consentVersions[marketing.key] =
        `hubspot:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  }
  return {
    raw: {
      values,
      consents,
      consentVersions,
      page: { url: body.context?.pageUri, title: body.context?.pageName },
    },
    visitorId: body.context?.hutk,
    names,
  };
}

const errorTypes: Record<string, string> = {
  required: 'REQUIRED_FIELD',
  format: 'INVALID_EMAIL',
  known: 'FIELD_NOT_IN_FORM_DEFINITION',
  maxLength: 'INPUT_TOO_LARGE',
  enum: 'VALUE_NOT_IN_FIELD_DEFINITION',
  type: 'INVALID_NUMBER',
  range: 'NUMBER_OUT_OF_RANGE',
  disposable: 'BLOCKED_EMAIL',
};

/** Errors as HubSpot lists them: `{ message: "Error in 'fields.email'. …", errorType }`. */
export function hubspotErrors(
  details: ErrorDetail[] | undefined,
  names: Map<string, string> | undefined,
): { message: string; errorType: string }[] {
  return (details ?? []).map((d) => {
    const [part, key] = d.field.split('.', 2) as [string, string | undefined];
    const name = part === 'fields' && key ? (names?.get(key) ?? hubspotNameOf[key] ?? key) : d.field;
    const field = part === 'fields' && key ? `fields.${name}` : d.field;
    const errorType =
      part === 'consents'
        ? 'MISSING_COMMUNICATION_CONSENT_TEXT'
        : d.rule === 'format' && key !== 'email'
          ? 'INVALID_METADATA'
          : (errorTypes[d.rule] ?? 'INVALID_METADATA');
    return { message: `Error in '${field}'. ${name} ${d.message}`, errorType };
  });
}
