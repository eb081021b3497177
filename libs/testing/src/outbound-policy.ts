import { OutboundPolicy } from '@app/net';

/**
 * The outbound URL policy of tests: the simulators and local servers on loopback are reachable (what
 * OUTBOUND_ALLOW_LOOPBACK=true gives a running system), plus the named fake hosts (e.g. nock origins,
 * `host` or `host:port`). Nest-free: import as '@app/testing/outbound-policy'.
 */
export function testOutboundPolicy(...hosts: string[]): OutboundPolicy {
  return new OutboundPolicy({ allowLoopback: true, allowHosts: hosts });
}
