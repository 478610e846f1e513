/**
 * HubSpot-shaped contact exports for tests and benchmarks: the headers HubSpot writes, realistic
 * values (accents, commas and quotes in company names, free-mail and company domains, HubSpot
 * lifecycle labels, create dates over three years) and a unique email per row. Deterministic: the
 * same seed gives the same file.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export const hubspotHeaders = [
  'Record ID',
  'First Name',
  'Last Name',
  'Email',
  'Phone Number',
  'Job Title',
  'Company Name',
  'Website URL',
  'Country/Region',
  'City',
  'Industry',
  'Number of Employees',
  'Lifecycle Stage',
  'Original Source',
  'Create Date',
];

/** A small, fast PRNG (mulberry32): deterministic across runs and machines. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = [
  'Ada',
  'Grace',
  'Alan',
  'José',
  'Zoë',
  'Björn',
  'Amélie',
  'Chidi',
  'Mei',
  'Ravi',
  'Olga',
  'Sven',
  'Fatima',
  'Liam',
  'Noor',
  'Hiroshi',
  'Ingrid',
  'Mateo',
  'Aisha',
  'Lukas',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Turing',
  'García',
  'Müller',
  "O'Brien",
  'Nakamura',
  'Okafor',
  'Dubois',
  'Rossi',
  'Kowalski',
  'Andersson',
  'Patel',
  'Smith',
  'Nguyen',
  'van der Berg',
  'Silva',
  'Haddad',
  'Ivanova',
  'Schmidt',
];
const titles = [
  'CTO',
  'Head of Marketing',
  'VP Sales',
  'Software Engineer',
  'Growth Lead',
  'Founder & CEO',
  'Procurement Manager',
  'Data Analyst',
  'Marketing Manager',
  'Sales Director',
];
const companyWords = [
  'Northwind',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Acme',
  'Vandelay',
  'Soylent',
  'Tyrell',
  'Cyberdyne',
  'Aperture',
  'Wonka',
  'Gringotts',
  'Oceanic',
];
const companySuffixes = ['Inc.', 'GmbH', 'Ltd', 'SAS', 'AB', 'B.V.', 'LLC', 'S.p.A.'];
const countries: [string, string[]][] = [
  ['Germany', ['Berlin', 'München', 'Hamburg', 'Köln']],
  ['France', ['Paris', 'Lyon', 'Marseille']],
  ['United States', ['New York', 'San Francisco', 'Austin', 'Chicago']],
  ['United Kingdom', ['London', 'Manchester', 'Edinburgh']],
  ['Netherlands', ['Amsterdam', 'Rotterdam', 'Utrecht']],
  ['Spain', ['Madrid', 'Barcelona', 'Sevilla']],
  ['Sweden', ['Stockholm', 'Göteborg', 'Malmö']],
  ['Brazil', ['São Paulo', 'Rio de Janeiro']],
];
const industries = [
  'Computer Software',
  'Financial Services',
  'Retail',
  'Hospital & Health Care',
  'Manufacturing',
  'Education',
  'Marketing and Advertising',
  'Logistics',
];
const stages = [
  'Subscriber',
  'Lead',
  'Lead',
  'Lead',
  'Marketing Qualified Lead',
  'Sales Qualified Lead',
  'Opportunity',
  'Customer',
  'Evangelist',
  'Other',
];
const sources = [
  'Organic Search',
  'Paid Search',
  'Direct Traffic',
  'Social Media',
  'Email Marketing',
  'Referrals',
  'Offline Sources',
];
const freeMail = ['gmail.com', 'outlook.com', 'yahoo.com', 'gmx.de'];
const employeeCounts = ['5', '12', '48', '250', '1,200', '5000', '20-50', ''];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[^a-zA-Z]/g, '')
    .toLowerCase();
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Row `i` (0-based) of the export with seed `seed`, as CSV fields. */
export function hubspotRow(i: number, r: () => number, options: { companies?: number } = {}): string[] {
  const first = pick(r, firstNames);
  const last = pick(r, lastNames);
  const k = Math.floor(r() * (options.companies ?? 5000));
  const word = companyWords[k % companyWords.length]!;
  const suffix = companySuffixes[k % companySuffixes.length]!;
  const company = k % 7 === 0 ? `${word} ${k}, ${suffix}` : `${word} ${k} ${suffix}`;
  const domain = `${word.toLowerCase()}${k}.example`;
  const free = r() < 0.3;
  const email = `${ascii(first)}.${ascii(last)}.${i}@${free ? pick(r, freeMail) : domain}`;
  const [country, cities] = pick(r, countries);
  const day = Math.floor(r() * 1000);
  const created = new Date(Date.UTC(2023, 0, 1) + day * 86_400_000 + Math.floor(r() * 86_400_000));
  const date = created.toISOString().slice(0, 16).replace('T', ' ');
  return [
    String(100_000_000 + i),
    first,
    last,
    email,
    `+${10 + Math.floor(r() * 80)} ${Math.floor(r() * 900 + 100)} ${Math.floor(r() * 9_000_000 + 1_000_000)}`,
    pick(r, titles),
    company,
    free ? '' : `https://www.${domain}`,
    country,
    pick(r, cities),
    pick(r, industries),
    pick(r, employeeCounts),
    pick(r, stages),
    pick(r, sources),
    date,
  ];
}

/** A whole export as a string (small files). */
export function hubspotCsv(rows: number, seed = 1, start = 0): string {
  const r = prng(seed);
  const lines = [hubspotHeaders.map(quote).join(',')];
  for (let i = start; i < start + rows; i++) lines.push(hubspotRow(i, r).map(quote).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Writes an export of `rows` rows to `file`, streaming (a million rows in a few seconds). */
export async function writeHubspotCsv(file: string, rows: number, seed = 1): Promise<number> {
  const r = prng(seed);
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${hubspotHeaders.map(quote).join(',')}\r\n`);
  let buffer = '';
  for (let i = 0; i < rows; i++) {
    buffer += `${hubspotRow(i, r).map(quote).join(',')}\r\n`;
    if (buffer.length > 1 << 16) {
      await write(buffer);
      buffer = '';
    }
  }
  if (buffer) await write(buffer);
  out.end();
  await once(out, 'finish');
  return bytes;
}
