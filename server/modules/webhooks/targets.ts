/**
 * Where a webhook may point. Admins may point subscriptions anywhere reachable (internal systems
 * included); a subscription made or changed by anyone else is "restricted": https only, and only
 * to public addresses — checked on the URL when it is saved and again on every address the host
 * name resolves to when a delivery connects, so a name that later resolves to a private address
 * (DNS rebinding) reaches nothing inside the network.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../platform/errors.ts';

/**
 * Addresses a restricted webhook never reaches: loopback, private, link-local, shared, reserved.
 * (IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside them.)
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, when it is one. */
function embeddedIPv4(address: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (m) return m[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const hi = Number.parseInt(hex[1]!, 16);
  const lo = Number.parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an IP address a restricted webhook may not reach. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const v4 = embeddedIPv4(address);
  if (v4 !== null) return blocked.check(v4, 'ipv4');
  return blocked.check(address, 'ipv6');
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Names that only mean something inside a network. */
const internalSuffixes = ['.localhost', '.local', '.internal', '.lan', '.home.arpa', '.intranet', '.corp'];

export type TargetRules = {
  /** The server allows plain http to any host (LEADLOOP_WEBHOOKS_ALLOW_HTTP); admins only. */
  allowHttp: boolean;
  /** Made or changed by someone who is not an admin. */
  restricted: boolean;
};

/** Checks a target URL against the rules; returns it normalised, or throws naming the rule. */
export function checkWebhookUrl(raw: string, rules: TargetRules): string {
  const bad = (rule: string, message: string) =>
    new AppError('WEBHOOK_URL_INVALID', `url: ${message}`, { details: [{ field: 'url', rule, message }] });
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw bad('url', 'is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('protocol', 'must use https');
  if (url.username || url.password) throw bad('credentials', 'must not carry credentials');
  if (url.hash) throw bad('fragment', 'must not have a #fragment');
  if (rules.restricted) {
    if (url.protocol !== 'https:') throw bad('protocol', 'must use https');
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const literal = host.startsWith('[') ? host.slice(1, -1) : host;
    if (isIP(literal) !== 0) {
      if (isPrivateAddress(literal))
        throw bad(
          'public_address',
          `${literal} is a private or reserved address; only an admin may target it`,
        );
    } else if (
      host === 'localhost' ||
      !host.includes('.') ||
      internalSuffixes.some((s) => host.endsWith(s))
    ) {
      throw bad(
        'public_address',
        `${host} is not a public host name; only an admin may target internal hosts`,
      );
    }
  } else if (url.protocol === 'http:' && !rules.allowHttp && !isLoopbackHost(url.hostname)) {
    throw bad('protocol', 'must use https (plain http is accepted only for loopback addresses)');
  }
  return url.toString();
}

export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * A `lookup` for outgoing connections that fails when the name resolves to an address a
 * restricted webhook may not reach. It checks the very addresses the socket then connects to.
 */
export function publicOnlyLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', 0);
      const list = (
        Array.isArray(addresses) ? addresses : [{ address: addresses, family: 4 }]
      ) as LookupAddress[];
      const denied = list.find((a) => isPrivateAddress(a.address));
      if (denied || list.length === 0) {
        const e = new Error(
          denied
            ? `${hostname} resolves to ${denied.address}, a private or reserved address`
            : `${hostname} has no address`,
        ) as NodeJS.ErrnoException;
        e.code = 'EPRIVATEADDRESS';
        return callback(e, options.all ? [] : '', 0);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
