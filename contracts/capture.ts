/**
 * The shape of web touchpoints (page views, form submissions, custom events) as forms and tracking
 * record them in a touchpoint's `properties`, and as attribution reads them to classify channels.
 * One shape, so capture and attribution never disagree about where a UTM value lives.
 */

/** UTM values as they arrived (lower-cased keys, values trimmed, at most 200 characters each). */
export type Utm = {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
};

/** Ad-platform click ids, when a landing URL carried them (they mark paid traffic). */
export type ClickIds = {
  gclid?: string;
  fbclid?: string;
  msclkid?: string;
  li_fat_id?: string;
  ttclid?: string;
};

export type PageContext = {
  url: string; // full URL of the page
  path: string; // URL path
  title?: string;
  referrer?: string; // full referrer URL, '' or absent for direct
};

/** `properties` of a `page_viewed` touchpoint. */
export type PageViewedProperties = {
  page: PageContext;
  utm?: Utm;
  clickIds?: ClickIds;
  /** Set on the first page view of a visit (30 minutes of inactivity ends a visit). */
  landing?: boolean;
  visitorId?: string;
};

/** `properties` of a `form_submitted` touchpoint. */
export type FormSubmittedProperties = {
  form: { id: string; slug: string; name: string };
  submissionId: string;
  page?: PageContext;
  utm?: Utm;
  clickIds?: ClickIds;
  /** Whether the form is a hand-raise (demo or contact-sales request), for the qualification policy. */
  handRaise?: boolean;
  visitorId?: string;
};

/** `properties` of an `event` touchpoint (leadloop.track(name, props)). */
export type EventProperties = {
  name: string;
  props?: Record<string, unknown>;
  page?: PageContext;
  utm?: Utm;
  visitorId?: string;
};

export const channels = [
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'referral',
  'display',
  'events',
  'direct',
  'other',
] as const;
export type Channel = (typeof channels)[number];

export const channelLabels: Record<Channel, string> = {
  organic_search: 'Organic search',
  paid_search: 'Paid search',
  organic_social: 'Organic social',
  paid_social: 'Paid social',
  email: 'Email',
  referral: 'Referral',
  display: 'Display',
  events: 'Events',
  direct: 'Direct',
  other: 'Other',
};

/** First or last touch of a lead, as the lead resource shows it. */
export type Touch = {
  channel: Channel;
  campaignId: string | null;
  source: string | null;
  medium: string | null;
  landingPage: string | null;
  at: string;
};
