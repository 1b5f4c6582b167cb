import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A TCP proxy the test can pull the plug on (after test/store/faults.test.ts): the app's pool
 * connects through it, so cutting it stands in for the network or the server dropping every
 * connection, while the shared server itself stays up for everyone else.
 */
export interface TcpProxy {
  port: number;
  /** Open connections right now. */
  readonly open: number;
  /** Destroys every open connection, both sides; the listener stays up (a connection-pool reset). */
  dropAll(): number;
  /** Closes the listener and destroys every open connection (the server is unreachable). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | null = null;
  let port = 0;

  function handle(client: Socket) {
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const kill = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", kill);
    upstream.on("close", kill);
    client.on("error", kill);
    upstream.on("error", kill);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer(handle);
      s.once("error", reject);
      s.listen(onPort, "127.0.0.1", () => {
        s.off("error", reject);
        server = s;
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  function dropAll(): number {
    const count = pairs.size;
    for (const [client, upstream] of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    return count;
  }

  await listen(0);
  return {
    get port() {
      return port;
    },
    get open() {
      return pairs.size;
    },
    dropAll,
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      dropAll();
      await closed;
    },
    start: () => (server ? Promise.resolve() : listen(port)),
  };
}
