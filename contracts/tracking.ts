/**
 * Tracking: the snippet's batches, the tracking settings and the record of identity stitches,
 * shared by the server's route schemas and the web app. Touchpoint properties follow capture.ts.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

/** Why a visitor's browser was joined to a lead. */
export const stitchReasons = ['identify', 'form', 'api'] as const;
export type StitchReason = (typeof stitchReasons)[number];

/**
 * What a stitch decided:
 * - `linked`: an anonymous browser's history was joined to the lead;
 * - `separate_person`: the browser was known as another lead and identified with another person's
 *   email; this lead was kept apart (the other lead keeps its history) and the browser follows this lead;
 * - `same_person`: the browser was known as this lead and identified with a new email; the site's
 *   same-browser policy says that is the same person, so the lead was updated (it keeps its email).
 */
export const stitchOutcomes = ['linked', 'separate_person', 'same_person'] as const;
export type StitchOutcome = (typeof stitchOutcomes)[number];

export const Stitch = Type.Object({
  id: Type.String(),
  visitorId: Type.String(),
  leadId: Type.String(),
  reason: Type.Enum(stitchReasons),
  outcome: Type.Enum(stitchOutcomes),
  previousLeadId: Type.Union([Type.String(), Type.Null()], {
    description: 'The lead the browser belonged to before (separate_person)',
  }),
  events: Type.Integer({ description: 'Anonymous events joined to the lead by this stitch' }),
  note: Type.String({ description: 'What happened, in a sentence' }),
  at: Type.String({ format: 'date-time' }),
  undoneAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  undoneBy: Type.Union([Type.String(), Type.Null()]),
  undoneEvents: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Touchpoints moved back to anonymous events by the undo',
  }),
});
export type Stitch = Static<typeof Stitch>;

export const TrackingSettings = Type.Object({
  allowedDomains: Type.Array(Type.String(), {
    description:
      'Sites allowed to send events: example.com covers example.com and its subdomains; add :port to pin a port',
  }),
  requireConsent: Type.Boolean({
    description:
      'Default for snippets without data-require-consent: nothing is stored or sent until leadloop.consent(true)',
  }),
  sameBrowserSamePerson: Type.Boolean({
    description:
      'Treat a new email on a known browser as the same person (default off: it starts a new lead)',
  }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type TrackingSettings = Static<typeof TrackingSettings>;

export const TrackingSettingsInput = Type.Object(
  {
    allowedDomains: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 }),
    requireConsent: Type.Boolean(),
    sameBrowserSamePerson: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type TrackingSettingsInput = Static<typeof TrackingSettingsInput>;

/** Limits of the ingest endpoint (the snippet keeps to them). */
export const trackLimits = {
  eventsPerBatch: 100,
  bodyBytes: 256 * 1024,
  urlLength: 2000,
  titleLength: 500,
  nameLength: 100,
  propsBytes: 4096,
  utmLength: 200,
  clickIdLength: 500,
  /** Events older than this (after correcting the client's clock) are clamped to it. */
  maxAgeMs: 24 * 3600_000,
} as const;

export const trackingErrors = {
  TRACKING_ORIGIN_NOT_ALLOWED: {
    status: 403,
    kind: 'auth',
    description:
      'The page sending tracking events is not on an allowed domain (Settings → Tracking → Allowed domains).',
  },
  STITCH_NOT_FOUND: { status: 404, kind: 'user', description: 'No identity stitch has this id.' },
  STITCH_NOT_UNDOABLE: {
    status: 409,
    kind: 'conflict',
    description:
      'The stitch was already undone, a later stitch or merge involves the browser or the lead (undo that first), or the lead was erased.',
  },
} as const satisfies Record<string, ErrorSpec>;
