import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Platform } from '@app/contracts';
import { classifyAddress, isLoopbackAddress, parseIp, sameAddress } from './address-class';
import { ALERT_ROBOT_HOSTS, PLATFORM_PRODUCTION_HOSTS, type AlertRobot, type OutboundPurpose } from './outbound-purpose';
import { OutboundUrlRefusedError } from './outbound-url-refused.error';

export interface OutboundPolicySettings {
  /**
   * Operator allowances for every purpose (OUTBOUND_ALLOW_HOSTS): `host` or `host:port` entries
   * (IPv6 in brackets, e.g. `[::1]:4101`). A listed host is reached whatever its address — meant for
   * the simulators on loopback in the demo, tests and benches.
   */
  allowHosts?: readonly string[];
  /** OUTBOUND_ALLOW_LOOPBACK: loopback addresses (127.0.0.0/8, ::1) and `localhost` allowed for every purpose */
  allowLoopback?: boolean;
  /**
   * The operator's platform base URL overrides (sandboxes, simulators): their hosts count as that
   * platform's hosts. Their addresses are still checked (add them to allowHosts for loopback).
   */
  platformBaseUrls?: Partial<Record<Platform, readonly string[]>>;
  /**
   * The platforms' production API hosts by platform (the platform registry's manifests, passed in by
   * @app/platforms so this library does not depend on it); default PLATFORM_PRODUCTION_HOSTS.
   */
  productionHosts?: Readonly<Record<Platform, readonly string[]>>;
  /** DNS lookup used at save and at connect (tests inject one); default dns.lookup */
  lookup?: LookupFunction;
}

interface AllowEntry {
  host: string;
  port: number | null;
}

/** A URL that passed the static checks. */
export interface CheckedUrl {
  url: URL;
  /** host without IPv6 brackets or a trailing dot, lower case */
  host: string;
  port: number;
  /** allowed by an operator allowance: its addresses are not checked */
  operatorAllowed: boolean;
}

/** names that reach the machine itself or a cloud metadata service without looking like it */
const BLOCKED_NAMES = new Set(['localhost', 'localhost.localdomain', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

const ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** OUTBOUND_ALLOW_HOSTS -> entries; throws naming the first malformed one */
export function parseAllowHosts(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const e of entries) {
    const m = ENTRY.exec(e);
    if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) throw new Error(`"${e}" is not host or host:port`);
  }
  return entries;
}

function bareHost(hostname: string): string {
  const h = hostname.toLowerCase().replace(/\.+$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function toEntry(raw: string): AllowEntry {
  const m = ENTRY.exec(raw.trim());
  if (!m) throw new Error(`outbound allowance "${raw}" is not host or host:port`);
  // through the URL parser so an entry is spelled as a request's host is (case, IPv6 form, numeric IPv4)
  const host = bareHost(new URL(`http://${m[1]}`).hostname);
  return { host, port: m[2] === undefined ? null : Number(m[2]) };
}

function defaultPort(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * The one outbound URL policy of omnisync: what any URL we call out to may be, checked when it is
 * saved (`assertAllowed`, with DNS) and when it is used (`checkUrl` before each request, and the
 * agents from `./outbound-agents` on every connect, which re-check the address actually resolved —
 * DNS rebinding).
 *
 * - http(s) only, no userinfo;
 * - platform purposes: the platform's production hosts, the operator's base URL overrides, or an
 *   operator allowance; alert robots (`alert:dingtalk` ...): the robot's production hosts or an operator
 *   allowance; ERP and webhooks: any host;
 * - the host's addresses (literal or resolved) must be public unicast (see address-class.ts), and
 *   names like `localhost` / `metadata.google.internal` are refused by name — unless an operator
 *   allowance covers the host.
 */
export class OutboundPolicy {
  private readonly allow: AllowEntry[];
  private readonly allowLoopback: boolean;
  private readonly platformHosts: ReadonlyMap<Platform, ReadonlySet<string>>;
  readonly lookup: LookupFunction;

  constructor(settings: OutboundPolicySettings = {}) {
    this.allow = (settings.allowHosts ?? []).map(toEntry);
    this.allowLoopback = settings.allowLoopback === true;
    this.lookup = settings.lookup ?? (dnsLookup as LookupFunction);
    const hosts = new Map<Platform, Set<string>>();
    for (const [p, list] of Object.entries(settings.productionHosts ?? PLATFORM_PRODUCTION_HOSTS) as [Platform, readonly string[]][]) hosts.set(p, new Set(list));
    for (const [p, urls] of Object.entries(settings.platformBaseUrls ?? {}) as [Platform, readonly string[]][]) {
      for (const u of urls) hosts.get(p)?.add(bareHost(new URL(u).hostname));
    }
    this.platformHosts = hosts;
  }

  /**
   * The static checks, no DNS (runs before every request): scheme, userinfo, platform hosts, literal
   * addresses and blocked names. Throws OutboundUrlRefusedError.
   */
  checkUrl(raw: string, purpose: OutboundPurpose): CheckedUrl {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundUrlRefusedError('invalid_url', purpose, 'not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundUrlRefusedError('scheme', purpose, `scheme ${url.protocol.replace(/:$/, '')} is not http or https`);
    }
    if (url.username !== '' || url.password !== '') throw new OutboundUrlRefusedError('userinfo', purpose, 'credentials in the URL are not allowed');
    const host = bareHost(url.hostname);
    const port = defaultPort(url);
    if (host === '') throw new OutboundUrlRefusedError('invalid_url', purpose, 'no host');
    if (this.operatorAllows(host, port)) return { url, host, port, operatorAllowed: true };
    if (purpose.startsWith('platform:')) {
      const platform = purpose.slice('platform:'.length) as Platform;
      if (!this.platformHosts.get(platform)?.has(host)) {
        throw new OutboundUrlRefusedError('not_platform_host', purpose, `${host} is not a ${platform} API host`);
      }
    }
    if (purpose.startsWith('alert:')) {
      const robot = purpose.slice('alert:'.length) as AlertRobot;
      if (!ALERT_ROBOT_HOSTS[robot]?.includes(host)) {
        throw new OutboundUrlRefusedError('not_platform_host', purpose, `${host} is not a ${robot} robot host (${ALERT_ROBOT_HOSTS[robot]?.join(', ')})`);
      }
    }
    if (parseIp(host)) {
      const verdict = classifyAddress(host);
      if (!verdict.ok) throw new OutboundUrlRefusedError('address', purpose, verdict.why);
    } else if (BLOCKED_NAMES.has(host) || host.endsWith('.localhost')) {
      throw new OutboundUrlRefusedError('host_name', purpose, `host ${host} is not allowed`);
    }
    return { url, host, port, operatorAllowed: false };
  }

  /**
   * The save-time check: the static checks, then every address the host resolves to. Throws
   * OutboundUrlRefusedError (callers map it to 400 naming the field).
   */
  async assertAllowed(raw: string, purpose: OutboundPurpose): Promise<CheckedUrl> {
    const checked = this.checkUrl(raw, purpose);
    if (checked.operatorAllowed || parseIp(checked.host)) return checked;
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolveAll(checked.host);
    } catch {
      throw new OutboundUrlRefusedError('dns', purpose, `host ${checked.host} does not resolve`);
    }
    if (addresses.length === 0) throw new OutboundUrlRefusedError('dns', purpose, `host ${checked.host} does not resolve`);
    for (const a of addresses) {
      const why = this.refusedAddress(checked.host, checked.port, a.address);
      if (why !== null) throw new OutboundUrlRefusedError('address', purpose, `${checked.host} resolves to ${why}`);
    }
    return checked;
  }

  /**
   * At connect: why the address a host resolved to may not be reached, or null. `host` is the name
   * (or literal) the request used, `port` the port it connects to.
   */
  refusedAddress(host: string, port: number, address: string): string | null {
    if (this.operatorAllows(bareHost(host), port)) return null;
    if (this.operatorAllowsAddress(address, port)) return null;
    const verdict = classifyAddress(address);
    return verdict.ok ? null : verdict.why;
  }

  /** the IP allowances for request-filtering-agent's allowIPAddressList (any port; ours adds the port check) */
  allowedAddressList(): string[] {
    const list = this.allow.flatMap((e) => {
      const ip = parseIp(e.host);
      return ip ? [`${ip.toString()}/${ip.kind() === 'ipv4' ? 32 : 128}`] : [];
    });
    if (this.allowLoopback) list.push('127.0.0.0/8', '::1/128');
    return list;
  }

  /** the host itself is an operator allowance (a listed name or address, or loopback with the flag) */
  operatorAllows(host: string, port: number): boolean {
    if (this.allowLoopback && (host === 'localhost' || host.endsWith('.localhost') || isLoopbackAddress(host))) return true;
    return this.allow.some((e) => (e.port === null || e.port === port) && (e.host === host || sameAddress(e.host, host)));
  }

  private operatorAllowsAddress(address: string, port: number): boolean {
    if (this.allowLoopback && isLoopbackAddress(address)) return true;
    return this.allow.some((e) => (e.port === null || e.port === port) && sameAddress(e.host, address));
  }

  private resolveAll(host: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) => {
      this.lookup(host, { all: true }, ((err: NodeJS.ErrnoException | null, addresses: LookupAddress[] | string) => {
        if (err) reject(err);
        else resolve(Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }]);
      }) as never);
    });
  }
}

/** The save-time check with a policy (default: no operator allowances). */
export function assertAllowed(url: string, purpose: OutboundPurpose, policy: OutboundPolicy = new OutboundPolicy()): Promise<CheckedUrl> {
  return policy.assertAllowed(url, purpose);
}
