/**
 * Allowed tracking domains: how an entry is written (normalised) and whether a page's origin may
 * send events. `example.com` covers example.com and every subdomain; `shop.example.com:8443` pins
 * a port. Pure functions.
 */

const hostPattern =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*$/;

/** An entry as stored (`host` or `host:port`, lower case), or null when it is not a domain. */
export function normaliseDomain(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''); // a pasted URL: drop its scheme…
  s = s.split(/[/?#]/)[0] ?? ''; // …and its path
  s = s.replace(/^\*\./, '').replace(/\.$/, '');
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return null;
  const host = m[1]!;
  if (host.length > 253 || !hostPattern.test(host)) return null;
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return null;
    return `${host}:${port}`;
  }
  return host;
}

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether a page at `origin` may send events: its host is an allowed domain or a subdomain of one
 * (and on the pinned port, when the entry has one), or it is Leadloop's own origin.
 */
export function originAllowed(
  origin: string,
  allowed: readonly string[],
  ownHost: string | undefined,
): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (ownHost && url.host === ownHost.toLowerCase()) return true;
  const host = url.hostname;
  const port = url.port || defaultPorts[url.protocol]!;
  for (const entry of allowed) {
    const [domain, pinned] = entry.split(':') as [string, string | undefined];
    if (host !== domain && !host.endsWith(`.${domain}`)) continue;
    if (pinned === undefined || pinned === port) return true;
  }
  return false;
}
