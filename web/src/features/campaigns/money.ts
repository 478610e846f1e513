/** Money as the API keeps it: integer minor units with an ISO 4217 currency. */
import type { Money } from '../../../../contracts/attribution.ts';

/** How many minor-unit digits a currency has (EUR 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

export function toMinor(major: number, currency: string): number {
  return Math.round(major * 10 ** minorDigits(currency));
}

export function toMajor(minor: number, currency: string): number {
  return minor / 10 ** minorDigits(currency);
}

export function formatMoney(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(toMajor(minor, currency));
  } catch {
    return `${toMajor(minor, currency)} ${currency}`;
  }
}

/** Totals in several currencies, e.g. "€1,750.50 + $200.00"; a dash when there are none. */
export function formatSpend(spend: Money[]): string {
  return spend.length === 0 ? '—' : spend.map((m) => formatMoney(m.amount, m.currency)).join(' + ');
}

/** The currencies people pick from; any other ISO code can be typed. */
export const commonCurrencies = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CAD', 'AUD', 'JPY'];
