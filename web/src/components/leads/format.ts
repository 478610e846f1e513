/** How leads and their values read to people. */
import type { Lead } from '../../../../contracts/leads.ts';

/** First and last name, else the email, else a placeholder: a lead always has something to click. */
export function leadName(lead: Pick<Lead, 'firstName' | 'lastName' | 'email'>): string {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ').trim();
  return name || lead.email || 'Unnamed lead';
}

/** A custom or standard value as text; null and empty come back as null. */
export function valueText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (Array.isArray(value)) return value.length > 0 ? value.map(String).join(', ') : null;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return new Intl.NumberFormat().format(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A local calendar day (YYYY-MM-DD) to the instant it starts in the viewer's time zone. */
export function dayStart(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).toISOString();
}

/** The local calendar day (YYYY-MM-DD) an instant falls on in the viewer's time zone. */
export function localDay(iso: string): string {
  const t = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

/** The day after a local calendar day (the exclusive end of a date range). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1).toISOString());
}

export function previousDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) - 1).toISOString());
}

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A date (no time) in the viewer's time zone and locale. */
export function formatDay(iso: string | null | undefined): string {
  return iso ? day.format(new Date(iso)) : '—';
}

/** A calendar day value (YYYY-MM-DD, as date custom fields hold) in the viewer's locale. */
export function formatCalendarDay(value: string): string {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  if (!y || !m || !d) return value;
  return day.format(new Date(y, m - 1, d));
}
