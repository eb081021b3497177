import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Address classes by ipaddr.js (a well-kept parser with the IANA special-purpose ranges; the same one
 * request-filtering-agent uses at connect): only plain public unicast is reachable. Everything else —
 * loopback, RFC 1918, link-local (169.254.169.254 metadata), CGNAT (100.64/10, incl. Alibaba's
 * 100.100.100.200 metadata), multicast, broadcast, unspecified, reserved, IPv4-mapped / -translated /
 * 6to4 / Teredo IPv6 (which embed an IPv4 address), IPv6 loopback, ULA (fd00:ec2::254) and link-local —
 * is refused.
 */
const DESCRIPTION: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  unspecified: 'the unspecified address',
  reserved: 'a reserved address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'an IPv4-embedding IPv6 address',
  '6to4': 'a 6to4 IPv6 address',
  teredo: 'a Teredo IPv6 address',
  uniqueLocal: 'an IPv6 unique-local address',
  deprecatedSiteLocal: 'an IPv6 site-local address',
};

/** cloud instance metadata endpoints (AWS/GCP/Azure, AWS IPv6, ECS task metadata, Alibaba Cloud) */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200']);

export type AddressVerdict = { ok: true } | { ok: false; why: string };

/** an IP literal (IPv6 with or without brackets) -> its parsed form, or null when it is not an IP */
export function parseIp(host: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 0) return null;
  return ipaddr.parse(bare);
}

export function classifyAddress(address: string): AddressVerdict {
  const ip = parseIp(address);
  if (!ip) return { ok: false, why: `${address} is not an IP address` };
  const range = ip.range();
  if (range === 'unicast') return { ok: true };
  const text = ip.toString();
  const metadata = METADATA_ADDRESSES.has(text) ? ' (cloud metadata endpoint)' : '';
  return { ok: false, why: `${text} is ${DESCRIPTION[range] ?? `a non-public address (${range})`}${metadata}` };
}

export function isLoopbackAddress(address: string): boolean {
  const ip = parseIp(address);
  return ip !== null && ip.range() === 'loopback';
}

/** two spellings of one address are equal (::1 = 0:0:0:0:0:0:0:1) */
export function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null && x.kind() === y.kind() && x.toString() === y.toString();
}
