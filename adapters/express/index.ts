import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import {
  assertProductionSafe,
  createHandler,
  type AccountService,
  type GatehouseHandler,
  type HandlerOptions,
  type RawRequest,
  type RawResponse,
} from "gatehouse-auth";
import { headerValue, readNodeBody } from "../node/read-body";

export interface AccountRouterOptions extends Omit<HandlerOptions, "basePath"> {
  /** Largest request body read, in bytes. Default 1 MiB. */
  bodyLimit?: number;
}

type Middleware = (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => void;

/**
 * Express middleware serving the Account API. Mount it where the SDK endpoint points:
 * `app.use("/v1", accountRouter(account))` for an endpoint of `https://host/v1`, or at any other
 * path (`app.use("/auth", …)`): the mount point is the base path. Links (e-mails, OAuth2) are built
 * from the config's `endpoint`; without one (development only) from the URL the request used.
 * It works whether or not the app mounted `express.json()`/`express.urlencoded()` before it.
 */
export function accountRouter(service: AccountService, userOptions: AccountRouterOptions = {}): Middleware {
  const options = { ...userOptions, production: userOptions.production ?? process.env.NODE_ENV === "production" };
  // Checked now rather than at the first request: a server that must not run should not start.
  assertProductionSafe(service.config, options.production);
  const limit = options.bodyLimit ?? 1024 * 1024;
  // One handler per mount path: the base path is wherever the app mounted the router.
  const handlers = new Map<string, GatehouseHandler>();
  return (req, res, next) => {
    // The mount path is stripped from req.url; the handler wants the URL the client used.
    const handler = handlerFor(req.baseUrl ?? "");
    const original = req.originalUrl;
    const query = original.indexOf("?");
    if (!handler.owns(query < 0 ? original : original.slice(0, query))) return next();
    const { headers } = req;
    // A malformed Host makes a URL that does not parse: the handler answers that with a JSON 400.
    const raw: RawRequest = {
      method: req.method,
      url: `${req.protocol}://${headers.host ?? "localhost"}${original}`,
      headers: { get: (name) => headerValue(headers, name) },
      body: () => readBody(req, limit),
    };
    const ip = req.socket.remoteAddress;
    if (ip) raw.ip = ip;
    handler
      .handle(raw)
      .then((response) => send(res, response))
      // Also a header value Node refuses (say, a control character in a redirect's Location).
      .catch(next);
  };

  function handlerFor(mount: string): GatehouseHandler {
    let handler = handlers.get(mount);
    if (!handler) {
      // Not mounted at a path: the endpoint's path (or /v1) is the base, as with createHandler.
      handler = createHandler(service, { ...options, ...(mount ? { basePath: mount } : {}) });
      handlers.set(mount, handler);
    }
    return handler;
  }
}

/**
 * Writes the handler's answer. A header the app has not set yet is set (one validation of its
 * value in Node, against two for `appendHeader`); one it has (say `Vary` from another middleware)
 * is appended to, as are repeated `Set-Cookie`s.
 */
function send(res: ExpressResponse, response: RawResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (res.hasHeader(name)) res.appendHeader(name, value);
    else res.setHeader(name, value);
  }
  res.end(response.body ?? undefined);
}

/** A body a body-parser already consumed is taken as parsed; otherwise the stream is read here. */
function readBody(req: ExpressRequest, limit: number): Promise<string | Record<string, unknown> | undefined> {
  const parsed = (req as { _body?: boolean; body?: unknown }).body;
  if ((req as { _body?: boolean })._body || req.readableEnded) {
    return Promise.resolve(
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {},
    );
  }
  return readNodeBody(req, limit);
}
