import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LocalServer {
  url: string;
  port: number;
  /** requests it answered */
  hits(): number;
  /** closes it, cutting open connections (a trickling answer included) */
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (a random port), for tests of outbound calls. Nest-free: '@app/testing/local-server'. */
export async function serveLocal(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
