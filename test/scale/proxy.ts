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
  /**
   * The network drops every packet, without closing anything: connections stay open (and new
   * ones are accepted, as a TCP handshake with a local proxy always is) but nothing sent either
   * way arrives, and neither side learns that the other closed.
   */
  blackhole(): void;
  /**
   * The network comes back, for new connections and for those that sent nothing meanwhile. A
   * connection that lost bytes stays severed (what it sends is still dropped), as behind a
   * stateful firewall or NAT that forgot it: only the client giving up on it, and opening a new
   * one, recovers. A connection one side closed during the blackhole is reset on the other side.
   */
  restore(): void;
  readonly blackholed: boolean;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes were dropped: this connection never carries anything again. */
  severed: boolean;
  /** One side closed or failed during the blackhole. */
  gaveUp: boolean;
}

export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let server: Server | null = null;
  let port = 0;
  let blackholed = false;

  function handle(client: Socket) {
    // Half-open allowed on both sides: a FIN is relayed (or dropped) by us, never answered by
    // the kernel on the proxy's behalf, which would tell a blackholed client that the peer is alive.
    const upstream = connect({ port: targetPort, host: targetHost, allowHalfOpen: true });
    const pair: Pair = { client, upstream, severed: false, gaveUp: false };
    pairs.add(pair);
    const kill = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    const relay = (from: Socket, to: Socket) => {
      from.on("data", (chunk: Buffer) => {
        if (blackholed) pair.severed = true;
        if (!pair.severed) to.write(chunk);
      });
      from.on("end", () => {
        if (blackholed) pair.gaveUp = true;
        else if (!pair.severed) to.end();
      });
      const closed = () => {
        if (blackholed) pair.gaveUp = true;
        else kill();
      };
      from.on("close", closed);
      from.on("error", closed);
    };
    relay(client, upstream);
    relay(upstream, client);
  }

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer({ allowHalfOpen: true }, handle);
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
    for (const { client, upstream } of [...pairs]) {
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
    get blackholed() {
      return blackholed;
    },
    dropAll,
    async stop() {
      const s = server;
      server = null;
      blackholed = false;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      dropAll();
      await closed;
    },
    start: () => (server ? Promise.resolve() : listen(port)),
    blackhole() {
      blackholed = true;
    },
    restore() {
      blackholed = false;
      for (const pair of [...pairs]) {
        if (!pair.gaveUp) continue;
        pairs.delete(pair);
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
  };
}
