import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { OutboundPolicy } from '@app/net';

/** the public address the reserved example names (RFC 2606: example.com, *.example.com, *.example) resolve to in tests */
export const EXAMPLE_PUBLIC_ADDRESS = '93.184.216.34';

/**
 * DNS for tests, which have no network: the reserved example names resolve to a public address (so a
 * merchant's "https://erp.example.com" passes the save-time check as a real public ERP would); every
 * other name goes to the system resolver (localhost, /etc/hosts).
 */
export const exampleDnsLookup: LookupFunction = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'example.com' || name.endsWith('.example.com') || name.endsWith('.example')) {
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    if (all) callback(null, [{ address: EXAMPLE_PUBLIC_ADDRESS, family: 4 }]);
    else callback(null, EXAMPLE_PUBLIC_ADDRESS, 4);
    return;
  }
  (dnsLookup as unknown as (h: string, o: unknown, cb: unknown) => void)(hostname, options, callback);
}) as LookupFunction;

/**
 * The outbound URL policy of tests: the simulators and local servers on loopback are reachable (what
 * OUTBOUND_ALLOW_LOOPBACK=true gives a running system), plus the named fake hosts (e.g. nock origins,
 * `host` or `host:port`); example names resolve as public (exampleDnsLookup). Nest-free: import as
 * '@app/testing/outbound-policy'.
 */
export function testOutboundPolicy(...hosts: string[]): OutboundPolicy {
  return new OutboundPolicy({ allowLoopback: true, allowHosts: hosts, lookup: exampleDnsLookup });
}
