import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { appMetrics } from './catalogue';
import { metricsRegistry } from './registry';

export const METRICS_SERVER_OPTIONS = Symbol('METRICS_SERVER_OPTIONS');

export interface MetricsServerOptions {
  /** METRICS_PORT (0 = random; read it back with port()) */
  port: number;
  /** BIND_HOST */
  host: string;
}

/**
 * Prometheus /metrics on its own listener (METRICS_PORT), never on the public API port: a plain node:http
 * server with one route, started with the app and closed with it. Anything but GET /metrics is 404.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | null = null;

  constructor(@Inject(METRICS_SERVER_OPTIONS) private readonly opts: MetricsServerOptions) {}

  async onApplicationBootstrap(): Promise<void> {
    appMetrics(); // every series of the catalogue is declared from the first scrape on
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ statusCode: 404, error: 'Not Found' }));
        return;
      }
      metricsRegistry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' }).end(text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log({ msg: 'metrics listening', host: this.opts.host, port: this.port() });
  }

  /** the bound port (after bootstrap) */
  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.opts.port;
  }

  async onApplicationShutdown(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
