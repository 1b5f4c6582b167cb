import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatehouseHandler } from "gatehouse-auth";
import { readNodeBody } from "../node/read-body";
import { cookieJar, type CookieJar } from "./cookie-jar";

// The official SDKs call the global `fetch` (appwrite) or their own (node-appwrite) with no way to
// pass another, so they get a real loopback server. The browser SDK in Node keeps no cookies (it
// reads `window.localStorage`, which Node lacks, and a global would be shared by parallel tests):
// each browser client gets its own path prefix here, and the server keeps that client's cookies
// for it, as its browser would.

/** The parts of the `appwrite` / `node-appwrite` modules the kit uses: pass the module itself. */
export interface SdkModule<C, A> {
  Client: new () => C;
  Account: new (client: C) => A;
}
interface SdkClient {
  setEndpoint(endpoint: string): unknown;
  setProject(project: string): unknown;
}
interface ServerSdkClient extends SdkClient {
  setKey(key: string): unknown;
  setSession(session: string): unknown;
}

export interface TestServer {
  /** The API endpoint for SDKs and plain `fetch`: `http://127.0.0.1:<port>/v1`. */
  readonly endpoint: string;
  /**
   * A browser SDK (`appwrite`) client with its own cookie jar: sessions it creates stick to it,
   * as in a browser. `const { account } = server.browserClient(await import("appwrite"))`.
   */
  browserClient<C extends SdkClient, A>(sdk: SdkModule<C, A>): { client: C; account: A; jar: CookieJar };
  /**
   * A server SDK (`node-appwrite`) client: with the test API key, or acting for a user when given
   * a session secret (`createEmailPasswordSession` with the key answers one in `secret`).
   */
  serverClient<C extends ServerSdkClient, A>(sdk: SdkModule<C, A>, options?: { session?: string }): { client: C; account: A };
  close(): Promise<void>;
}

/** The adapters' default body limit (adapters/express, adapters/fastify). */
const MAX_BODY = 1024 * 1024;

export async function startTestServer(
  handler: () => GatehouseHandler,
  config: { projectId: string; apiKey: string; now: () => number },
): Promise<TestServer> {
  const jars = new Map<string, CookieJar>();
  let nextBrowser = 0;

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const prefix = /^\/(browser-\d+)(?=\/)/.exec(url.pathname);
    const jar = prefix ? jars.get(prefix[1]!) : undefined;
    if (prefix) url.pathname = url.pathname.slice(prefix[0].length);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const cookie = jar?.header();
    if (cookie) headers.set("cookie", cookie);
    const raw = await handler().handle({
      method: req.method ?? "GET",
      url: url.toString(),
      headers,
      // The Node adapters' reader: a body too large or not UTF-8 is answered as in production.
      body: () => readNodeBody(req, MAX_BODY),
      ip: req.socket.remoteAddress ?? "127.0.0.1",
    });
    jar?.store(raw.headers.filter(([name]) => name.toLowerCase() === "set-cookie").map(([, value]) => value));
    const out = new Map<string, string[]>();
    for (const [name, value] of raw.headers) out.set(name, [...(out.get(name) ?? []), value]);
    res.writeHead(raw.status, Object.fromEntries(out));
    res.end(raw.body ?? undefined);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const endpoint = `${origin}/v1`;

  return {
    endpoint,
    browserClient(sdk) {
      const name = `browser-${++nextBrowser}`;
      const jar = cookieJar(config.now);
      jars.set(name, jar);
      const client = new sdk.Client();
      client.setEndpoint(`${origin}/${name}/v1`);
      client.setProject(config.projectId);
      return { client, account: new sdk.Account(client), jar };
    },
    serverClient(sdk, options = {}) {
      const client = new sdk.Client();
      client.setEndpoint(endpoint);
      client.setProject(config.projectId);
      if (options.session) client.setSession(options.session);
      else client.setKey(config.apiKey);
      return { client, account: new sdk.Account(client) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
