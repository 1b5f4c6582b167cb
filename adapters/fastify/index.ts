import type { FastifyPluginAsync, FastifyReply } from "fastify";
import {
  assertProductionSafe,
  createHandler,
  type AccountService,
  type HandlerOptions,
  type RawRequest,
  type RawResponse,
} from "gatehouse-auth";
import { headerValue, readNodeBody } from "../node/read-body";

export interface AccountPluginOptions extends Omit<HandlerOptions, "basePath"> {
  /** Largest request body read, in bytes. Default 1 MiB. */
  bodyLimit?: number;
}

/**
 * A Fastify plugin serving the Account API where it is registered:
 * `app.register(accountPlugin(account), { prefix: "/v1" })` for an endpoint of
 * `https://host/v1`; the prefix is the base path. Links (e-mails, OAuth2) are built from the
 * config's `endpoint`; without one (development only) from the URL the request used.
 *
 * Why a plugin rather than a README snippet: Fastify parses bodies before the route runs, answers
 * a form body with 415 and invalid JSON with its own error shape, and sends its own 413. Inside
 * this plugin's (encapsulated) context the content-type parsers are replaced by one that leaves
 * every body unread, so Gatehouse reads it (adapters/node/read-body.ts) and answers bad input with
 * Appwrite's errors; the app's own routes keep Fastify's parsers.
 */
export function accountPlugin(service: AccountService, userOptions: AccountPluginOptions = {}): FastifyPluginAsync {
  const options = { ...userOptions, production: userOptions.production ?? process.env.NODE_ENV === "production" };
  // Checked now rather than at the first request: a server that must not run should not start.
  assertProductionSafe(service.config, options.production);
  const limit = options.bodyLimit ?? 1024 * 1024;
  return async (instance) => {
    // Registered without a prefix, the endpoint's path (or /v1) is the base, as with createHandler.
    const handler = createHandler(service, { ...options, ...(instance.prefix ? { basePath: instance.prefix } : {}) });
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser("*", (_request, _payload, done) => done(null));
    instance.all("/*", async (request, reply) => {
      const { headers } = request.raw;
      // The URL as the client addressed it; a malformed Host makes one that does not parse, which
      // the handler answers with a JSON 400.
      const raw: RawRequest = {
        method: request.method,
        url: `${request.protocol}://${headers.host ?? "localhost"}${request.url}`,
        headers: { get: (name) => headerValue(headers, name) },
        body: () => readNodeBody(request.raw, limit),
      };
      const ip = request.socket.remoteAddress;
      if (ip) raw.ip = ip;
      return send(reply, await handler.handle(raw));
    });
  };
}

/** `Set-Cookie` repeats (Fastify keeps each); another header already set is appended to. */
function send(reply: FastifyReply, response: RawResponse): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of response.headers) {
    const existing = name.toLowerCase() === "set-cookie" ? undefined : reply.getHeader(name);
    reply.header(name, existing === undefined ? value : `${String(existing)}, ${value}`);
  }
  return reply.send(response.body ?? undefined);
}
