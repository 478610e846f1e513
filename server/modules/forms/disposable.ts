/**
 * Disposable-mail domains, from the maintained list beside this file (disposable-domains.txt; see
 * its header for the source and how to refresh it). A subdomain of a listed domain counts too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const disposableListFile = path.join(import.meta.dirname, 'disposable-domains.txt');

let domains: Set<string> | undefined;

function list(): Set<string> {
  domains ??= new Set(
    readFileSync(disposableListFile, 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  return domains;
}

/** Whether the email's domain (or a parent domain) is a disposable-mail service. */
export function isDisposableEmail(email: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const labels = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .split('.');
  const known = list();
  for (let i = 0; i < labels.length - 1; i++) if (known.has(labels.slice(i).join('.'))) return true;
  return false;
}
