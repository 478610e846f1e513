/** Normalising what people type: emails, websites, domains, and the text a lead is searched by. */
import { freeMailDomains } from './free-mail-domains.ts';

/** Trim and lower-case; nothing else is rewritten (dots and plus tags are kept). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Deliberately practical: one @, a dotted domain of letters, digits and hyphens, no spaces or markup.
const emailPattern = /^[^\s@<>()[\]\\,;:"]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isValidEmail(email: string): boolean {
  return email.length <= 254 && emailPattern.test(email);
}

export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).toLowerCase() : null;
}

/** The web domain of a website value ("https://www.Acme.com/about" → "acme.com"), or null. */
export function websiteDomain(website: string): string | null {
  let host = website.trim().toLowerCase();
  if (!host) return null;
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split(/[/?#]/)[0] ?? '';
  host = host
    .replace(/:\d+$/, '')
    .replace(/^www\d?\./, '')
    .replace(/\.$/, '');
  return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host) ? host : null;
}

export function isFreeMailDomain(domain: string): boolean {
  return freeMailDomains.has(domain);
}

/** The company domain for a lead: its website's, else its email's unless that is a free-mail provider. */
export function companyDomainFor(lead: { email: string | null; website: string | null }): string | null {
  const fromSite = lead.website ? websiteDomain(lead.website) : null;
  if (fromSite && !isFreeMailDomain(fromSite)) return fromSite;
  const fromEmail = lead.email ? emailDomain(lead.email) : null;
  return fromEmail && !isFreeMailDomain(fromEmail) ? fromEmail : null;
}

export function searchTextOf(lead: {
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
}): string {
  return [lead.first_name, lead.last_name, lead.email, lead.company_name]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
    .slice(0, 1000);
}

/** Trims a text value; empty becomes null (a blank). */
export function cleanText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = value.replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}
