/**
 * CSV imports and exports of leads: the import resource, its preview, the mapping targets and the
 * presets, shared by the server's route schemas and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';
import { customFieldTypes } from './leads.ts';

/** Header auto-mapping presets: the contact/lead exports of these tools, or detected from the headers. */
export const importPresets = ['auto', 'hubspot', 'salesforce', 'mautic', 'pipedrive'] as const;
export type ImportPreset = (typeof importPresets)[number];

export const presetLabels: Record<ImportPreset, string> = {
  auto: 'Detect from the headers',
  hubspot: 'HubSpot contacts',
  salesforce: 'Salesforce leads',
  mautic: 'Mautic contacts',
  pipedrive: 'Pipedrive people',
};

/** How rows find existing leads: by email (default), by an external id column, or never (all new). */
export const importMatchModes = ['email', 'external', 'none'] as const;
export type ImportMatchMode = (typeof importMatchModes)[number];

export const importStatuses = ['ready', 'queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof importStatuses)[number];

export const importEncodings = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type ImportEncoding = (typeof importEncodings)[number];

/**
 * Where a column goes. A standard lead field (`email`, `firstName`…), `fullName` (split into first
 * and last name), `lifecycleStage`, `createdAt`, `externalId:<system>`, or `cf.<custom field key>`.
 * A column not in the mapping (or mapped to null) is ignored.
 */
export const targetLabels = {
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name (split into first and last)',
  phone: 'Phone',
  jobTitle: 'Job title',
  companyName: 'Company',
  website: 'Website',
  country: 'Country',
  city: 'City',
  industry: 'Industry',
  companySize: 'Company size (employees)',
  lifecycleStage: 'Lifecycle stage',
  createdAt: 'Created at (historical)',
  originalSource: 'Original source (channel)',
} as const;
export type FixedTarget = keyof typeof targetLabels;
export const fixedTargets = Object.keys(targetLabels) as FixedTarget[];

export const TARGET_PATTERN = '^(?:[a-zA-Z]+|externalId:[a-z0-9_.-]{1,50}|cf\\.[a-z][a-z0-9_]{0,62})$';

export const ImportMapping = Type.Record(
  Type.String({ maxLength: 200 }),
  Type.Union([Type.String({ pattern: TARGET_PATTERN, maxLength: 80 }), Type.Null()]),
  { maxProperties: 500, description: 'Column header → target (null: ignore the column)' },
);
export type ImportMapping = Static<typeof ImportMapping>;

export const NewCustomField = Type.Object(
  {
    column: Type.String({ maxLength: 200, description: 'The column whose values fill the field' }),
    key: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Enum(customFieldTypes),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type NewCustomField = Static<typeof NewCustomField>;

export const StartImport = Type.Object(
  {
    mapping: ImportMapping,
    matchOn: Type.Optional(Type.Enum(importMatchModes, { default: 'email' })),
    dryRun: Type.Optional(Type.Boolean({ default: false })),
    createCustomFields: Type.Optional(Type.Array(NewCustomField, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type StartImport = Static<typeof StartImport>;

const Counts = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  failed: Type.Integer(),
});

export const Import = Type.Object({
  id: Type.String(),
  status: Type.Enum(importStatuses),
  filename: Type.String(),
  size: Type.Integer({ description: 'Bytes' }),
  encoding: Type.Enum(importEncodings),
  encodingNote: Type.Union([Type.String(), Type.Null()]),
  delimiter: Type.String(),
  headers: Type.Array(Type.String()),
  options: Type.Union([
    Type.Object({
      mapping: ImportMapping,
      matchOn: Type.Enum(importMatchModes),
      dryRun: Type.Boolean(),
      createCustomFields: Type.Array(NewCustomField),
    }),
    Type.Null(),
  ]),
  dryRun: Type.Boolean(),
  progress: Type.Object({
    rows: Type.Integer({ description: 'Rows read so far (the header is not a row)' }),
    fraction: Type.Number({ description: '0 to 1, by bytes read' }),
  }),
  counts: Counts,
  errorCount: Type.Integer({ description: 'Errors recorded (a failed row may have several)' }),
  message: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Import = Static<typeof Import>;

export const RowProblem = Type.Object({
  column: Type.Union([Type.String(), Type.Null()]),
  field: Type.String(),
  rule: Type.String(),
  message: Type.String(),
});
export type RowProblem = Static<typeof RowProblem>;

export const ImportPreview = Type.Object({
  id: Type.String(),
  encoding: Type.Enum(importEncodings),
  encodingNote: Type.Union([Type.String(), Type.Null()]),
  delimiter: Type.String(),
  preset: Type.Enum(importPresets),
  detectedPreset: Type.Union([Type.Enum(importPresets), Type.Null()]),
  headers: Type.Array(Type.String()),
  mapping: ImportMapping,
  rows: Type.Array(
    Type.Object({
      row: Type.Integer({ description: 'Row number in the file; the header is row 1' }),
      values: Type.Array(Type.String()),
      lead: Type.Record(Type.String(), Type.Unknown(), { description: 'The row as it would be imported' }),
      problems: Type.Array(RowProblem),
    }),
  ),
});
export type ImportPreview = Static<typeof ImportPreview>;

export const importErrors = {
  IMPORT_NOT_FOUND: { status: 404, kind: 'user', description: 'No import has this id.' },
  IMPORT_FILE_EMPTY: {
    status: 400,
    kind: 'user',
    description: 'The uploaded file is empty, or has a header row and no data rows.',
  },
  IMPORT_FILE_UNREADABLE: {
    status: 400,
    kind: 'user',
    description:
      'The upload is not a CSV text file (binary content, or a header row that cannot be read); `details` says why.',
  },
  IMPORT_FILE_TOO_LARGE: {
    status: 413,
    kind: 'user',
    description: 'The file is larger than an import accepts (1 GiB); split it.',
  },
  IMPORT_MAPPING_INVALID: {
    status: 400,
    kind: 'user',
    description: 'The mapping names a column the file does not have, an unknown field, or cannot match rows.',
  },
  IMPORT_NOT_STARTABLE: {
    status: 409,
    kind: 'conflict',
    description: 'The import already ran or is running; upload the file again to import it again.',
  },
  IMPORT_NOT_CANCELLABLE: {
    status: 409,
    kind: 'conflict',
    description: 'The import has already finished.',
  },
} as const satisfies Record<string, ErrorSpec>;
