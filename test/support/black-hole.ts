/**
 * Servers that misbehave the way a dead or hostile ONTAP endpoint does, for e2e tests.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A black hole: accepts TCP connections and never answers (not even the TLS handshake), as a
 * powered-off ONTAP behind a load balancer, or a tenant's hostile endpoint, does.
 */
export async function blackHole(): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
