import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { AgentOptions } from 'node:http';
import { Socket, isIP, type LookupFunction, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { OutboundPolicy } from './outbound-policy';
import type { OutboundPurpose } from './outbound-purpose';
import { OutboundUrlRefusedError } from './outbound-url-refused.error';

/*
 * Connect-time enforcement (DNS rebinding: a name that resolved to a public address when it was saved
 * may resolve to 127.0.0.1 when it is used). Built on request-filtering-agent rather than
 * ssrf-req-filter, after reading both: request-filtering-agent validates inside the socket's `lookup`
 * — before any connect, for every address when Node asks for all of them (autoSelectFamily) — and for
 * IP-literal hosts before the socket is made; it is typed and takes allow lists. ssrf-req-filter checks
 * on the socket's 'lookup' event (after lookup, racing the connect), has no allow list and throws
 * synchronously out of createConnection.
 *
 * In front of the library's own check sits ours (same ipaddr.js classes, plus the operator
 * allowances' ports), so a refusal is an OutboundUrlRefusedError naming why; the library stays the
 * backstop with the same allowances at address level.
 */

type ConnectCallback = (error: Error | null, socket: Duplex) => void;

interface Guard {
  policy: OutboundPolicy;
  purpose: OutboundPurpose;
}

function errorSocket(error: Error, cb: ConnectCallback | undefined): Socket {
  const socket = new Socket();
  if (cb) cb(error, socket);
  else process.nextTick(() => socket.destroy(error));
  return socket;
}

/** the lookup the library calls: resolves with the configured lookup, then refuses (typed) what the policy refuses */
function guardedLookup(g: Guard, base: LookupFunction, host: string, port: number): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    base(hostname, options as never, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return cb(err);
      const list = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      for (const a of list) {
        const why = g.policy.refusedAddress(host, port, a.address);
        if (why !== null) return cb(new OutboundUrlRefusedError('address', g.purpose, `${host} resolved to ${why} at connect`));
      }
      return Array.isArray(address) ? cb(null, address) : cb(null, address, family);
    }) as never);
  }) as LookupFunction;
}

/**
 * Runs our check, then the library's createConnection (`next`); for a host the operator allowed by
 * name, the library's address check is skipped (`bypass`: the agent's grandparent createConnection).
 */
function connect(
  g: Guard,
  options: TcpNetConnectOpts,
  cb: ConnectCallback | undefined,
  next: (o: TcpNetConnectOpts, c?: ConnectCallback) => Duplex,
  bypass: (o: TcpNetConnectOpts, c?: ConnectCallback) => Duplex,
): Duplex {
  const host = String(options.host ?? 'localhost');
  const port = Number(options.port);
  if (isIP(host) !== 0) {
    const why = g.policy.refusedAddress(host, port, host);
    if (why !== null) return errorSocket(new OutboundUrlRefusedError('address', g.purpose, why), cb);
  }
  const base = (options.lookup ?? g.policy.lookup ?? dnsLookup) as LookupFunction;
  const guarded = { ...options, lookup: guardedLookup(g, base, host, port) };
  if (isIP(host) === 0 && g.policy.operatorAllows(host.toLowerCase().replace(/\.+$/, ''), port)) {
    return bypass(guarded, cb);
  }
  return next(guarded, cb);
}

type CreateConnection = { createConnection: (o: TcpNetConnectOpts, c?: ConnectCallback) => Duplex };

/** `connect` for an agent: the library's createConnection (`filtering`), or the plain agent's below it */
function connectVia(agent: object, filtering: CreateConnection, g: Guard, options: TcpNetConnectOpts, cb: ConnectCallback | undefined): Duplex {
  const plain = Object.getPrototypeOf(filtering) as CreateConnection;
  return connect(g, options, cb, (o, c) => filtering.createConnection.call(agent, o, c), (o, c) => plain.createConnection.call(agent, o, c));
}

export class OutboundHttpAgent extends RequestFilteringHttpAgent {
  constructor(
    private readonly guard: Guard,
    options: AgentOptions,
  ) {
    super({ ...options, allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList: guard.policy.allowedAddressList() });
  }

  override createConnection(options: TcpNetConnectOpts, cb?: ConnectCallback): Duplex {
    return connectVia(this, RequestFilteringHttpAgent.prototype, this.guard, options, cb);
  }
}

export class OutboundHttpsAgent extends RequestFilteringHttpsAgent {
  constructor(
    private readonly guard: Guard,
    options: AgentOptions,
  ) {
    super({ ...options, allowPrivateIPAddress: false, allowMetaIPAddress: false, allowIPAddressList: guard.policy.allowedAddressList() });
  }

  override createConnection(options: TcpNetConnectOpts, cb?: ConnectCallback): Duplex {
    return connectVia(this, RequestFilteringHttpsAgent.prototype, this.guard, options, cb);
  }
}

export interface OutboundAgents {
  http: OutboundHttpAgent;
  https: OutboundHttpsAgent;
}

/** keep-alive agents for one purpose (sockets are reused; each new socket is checked on connect) */
export function createOutboundAgents(policy: OutboundPolicy, purpose: OutboundPurpose, options: AgentOptions = {}): OutboundAgents {
  const guard = { policy, purpose };
  const o: AgentOptions = { keepAlive: true, ...options };
  return { http: new OutboundHttpAgent(guard, o), https: new OutboundHttpsAgent(guard, o) };
}
