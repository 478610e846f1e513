/** Money, dates and durations on deal screens, in the viewer's locale and time zone. */
import type { Money } from '../../../../contracts/deals.ts';
import { formatMoney, minorDigits, toMajor } from '../campaigns/money.ts';

export { formatMoney };

/** A whole-unit amount for dense places (column totals): "€12,500". */
export function formatMoneyShort(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
      minimumFractionDigits: 0,
    }).format(toMajor(minor, currency));
  } catch {
    return `${Math.round(toMajor(minor, currency))} ${currency}`;
  }
}

/** Totals in several currencies: "€12,500 + $7,000"; a dash when there are none. */
export function formatTotals(list: Money[]): string {
  return list.length === 0 ? '—' : list.map((m) => formatMoneyShort(m.amount, m.currency)).join(' + ');
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** A calendar day (YYYY-MM-DD) as the viewer writes dates. */
export function formatDay(day: string | null): string {
  return day ? dayFormat.format(new Date(`${day}T00:00:00Z`)) : '—';
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A moment's date in the viewer's time zone. */
export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

/** Whole days since a time (0 on the same day). */
export function daysSince(iso: string, now = Date.now()): number {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 86_400_000));
}

export function daysInStage(iso: string): string {
  const d = daysSince(iso);
  return d === 0 ? 'Entered today' : d === 1 ? '1 day in stage' : `${d} days in stage`;
}

export { minorDigits };
