/**
 * From a touchpoint to its attribution columns, and from touch rows to a lead's first and last
 * touch. Pure: inline classification, reclassification and recomputation share them.
 */
import type { Channel, Touch } from '../../../contracts/capture.ts';
import { propertiesObjectOf } from '../../platform/db/parsed.ts';
import { fromJson } from '../../platform/db/schema.ts';
import type { AttributionColumns } from './attribution.repo.ts';
import {
  bareHost,
  type CompiledRules,
  classify,
  type Facts,
  factsOf,
  isTouch,
  originalSourceTypes,
} from './attribution.rules.ts';

export type CampaignRef = { id: string; name: string; channel: Channel };

/** A lead's first or last touch as stored on the lead: the API's Touch and where it came from. */
export type StoredTouch = Touch & { touchpointId: string; kind: 'web' | 'original' };

/**
 * The attribution columns of a touchpoint under a rule set: the channel (only for touches; null for
 * page views inside a visit), the campaign its utm_campaign maps to, the UTM values and the rule
 * version. Null when the touchpoint's type carries no marketing meaning.
 */
export function attributionOf(
  facts: Facts | null,
  compiled: CompiledRules,
  version: number,
  campaigns: ReadonlyMap<string, CampaignRef>,
): AttributionColumns | null {
  if (!facts) return null;
  if (facts.kind === 'original') {
    return {
      channel: classify(facts, compiled).channel,
      campaign_id: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      rule_version: version,
    };
  }
  const campaign = facts.campaign ? (campaigns.get(facts.campaign) ?? null) : null;
  return {
    channel: isTouch(facts, compiled) ? classify(facts, compiled, campaign).channel : null,
    campaign_id: campaign?.id ?? null,
    utm_source: facts.source,
    utm_medium: facts.medium,
    utm_campaign: facts.campaign,
    rule_version: version,
  };
}

/** The touch a classified touchpoint row is, or null when it is no touch. */
export function touchOfRow(
  row: {
    id: string;
    type: string;
    occurred_at: number;
    properties: unknown;
    channel?: string | null;
    campaign_id?: string | null;
    utm_source?: string | null;
    utm_medium?: string | null;
  },
  known?: { facts: Facts | null },
): StoredTouch | null {
  if (!row.channel) return null;
  // `known`: the facts already read from this row's properties (saves parsing them again).
  const facts = known ? known.facts : factsOf(row.type, propertiesObjectOf(row));
  const original = (originalSourceTypes as readonly string[]).includes(row.type);
  let source: string | null = row.utm_source ?? null;
  if (facts?.kind === 'original') source = facts.value;
  else if (source === null && facts?.kind === 'web' && facts.referrerHost)
    source = bareHost(facts.referrerHost);
  return {
    channel: row.channel as Channel,
    campaignId: row.campaign_id ?? null,
    source,
    medium: row.utm_medium ?? null,
    landingPage: facts?.kind === 'web' ? facts.landingPage : null,
    at: new Date(Number(row.occurred_at)).toISOString(),
    touchpointId: row.id,
    kind: original ? 'original' : 'web',
  };
}

/** Whether touch a comes before touch b (time, then touchpoint id, as SQL orders them). */
export function before(a: StoredTouch, b: StoredTouch): boolean {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  return ta !== tb ? ta < tb : a.touchpointId < b.touchpointId;
}

/** The lead columns that hold a first or last touch. */
export function touchColumns(which: 'first' | 'last', t: StoredTouch | null) {
  const json = t ? JSON.stringify(t) : null;
  const at = t ? Date.parse(t.at) : null;
  return which === 'first'
    ? {
        first_touch: json,
        first_touch_channel: t?.channel ?? null,
        first_touch_campaign_id: t?.campaignId ?? null,
        first_touch_at: at,
      }
    : {
        last_touch: json,
        last_touch_channel: t?.channel ?? null,
        last_touch_campaign_id: t?.campaignId ?? null,
        last_touch_at: at,
      };
}

export function storedTouch(value: unknown): StoredTouch | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    return fromJson<StoredTouch | null>(value, null);
  } catch {
    return null;
  }
}

/**
 * The touch columns that change when `touches` arrive for a lead whose first and last touch are
 * `first` and `last` (null for a new lead); empty when none does. History arrives out of order
 * (stitched anonymous visits, historical imports), so the times decide, not the order of arrival.
 */
export function touchesPatch(
  first: StoredTouch | null,
  last: StoredTouch | null,
  touches: StoredTouch[],
): Record<string, string | number | null> {
  let earliest: StoredTouch | null = null;
  let latestWeb: StoredTouch | null = null;
  let latestOriginal: StoredTouch | null = null;
  for (const t of touches) {
    if (!earliest || before(t, earliest)) earliest = t;
    if (t.kind === 'web' && (!latestWeb || before(latestWeb, t))) latestWeb = t;
    if (t.kind === 'original' && (!latestOriginal || before(latestOriginal, t))) latestOriginal = t;
  }
  const patch: Record<string, string | number | null> = {};
  if (earliest && (!first || before(earliest, first))) Object.assign(patch, touchColumns('first', earliest));
  // The last touch is the latest visit; an original source only stands in while there is none.
  let nextLast: StoredTouch | null = null;
  if (latestWeb && (!last || last.kind === 'original' || before(last, latestWeb))) nextLast = latestWeb;
  else if (
    !latestWeb &&
    latestOriginal &&
    (!last || (last.kind === 'original' && before(last, latestOriginal)))
  )
    nextLast = latestOriginal;
  if (nextLast) Object.assign(patch, touchColumns('last', nextLast));
  return patch;
}
