import { z } from "zod";
import { STORE_METHOD_PATHS, type Store } from "./ports/store";
import type { Mailer } from "./ports/mailer";
import type { Sms } from "./ports/sms";
import type { Clock } from "./ports/clock";
import type { RateLimiter } from "./ports/rate-limiter";
import type { PasswordHasher } from "./ports/password-hasher";
import type { Geo } from "./ports/geo";
import { APP_ID_PATTERN, E164_PATTERN, HOSTNAME_PATTERN, ID_PATTERN } from "./validation/patterns";

/**
 * A port is any object with the named methods; zod checks the shape, TypeScript the types. The
 * message names the methods that are missing, so a hand-written store fails at start-up, not
 * with a 500 on the first request that needs the method. A method of a group is named by its path
 * (`sessions.findAuth`).
 */
function port<T>(name: string, methods: readonly string[]) {
  return z.unknown().check((ctx) => {
    const v = ctx.value;
    if (typeof v !== "object" || v === null) {
      ctx.issues.push({ code: "custom", input: v, message: `must be a ${name} object` });
      return;
    }
    const at = (path: string) =>
      path
        .split(".")
        .reduce<unknown>((o, key) => (typeof o === "object" && o !== null ? (o as Record<string, unknown>)[key] : undefined), v);
    const missing = methods.filter((m) => typeof at(m) !== "function");
    if (missing.length) {
      ctx.issues.push({ code: "custom", input: v, message: `must be a ${name}: missing ${missing.map((m) => `${m}()`).join(", ")}` });
    }
  }) as unknown as z.ZodType<T>;
}

const apiKeySchema = z.union(
  [
    z.string().min(16, "an API key must be at least 16 characters"),
    z.object({
      secret: z.string().min(16, "an API key must be at least 16 characters"),
      /**
       * Scopes the key holds: `sessions.write` for the Account API's server calls; the Users API
       * needs `users.read`, `users.write` (and takes `targets.read`, `targets.write`,
       * `sessions.read` where Appwrite does). Without `scopes` a key holds `sessions.write` only.
       */
      scopes: z.array(z.string()).default(["sessions.write"]),
      expire: z.date().optional(),
      /** The actor the user's security log names for this key's writes (default "API key"). */
      name: z.string().min(1).max(128).optional(),
    }),
  ],
  {
    // A key read from an unset environment variable arrives as undefined: say what was expected.
    error:
      "must be a string of at least 16 characters, or { secret, scopes?, expire?, name? } (is the environment variable holding it set?)",
  },
);

const methodsSchema = z
  .object({
    emailPassword: z.boolean().default(true),
    magicUrl: z.boolean().default(true),
    emailOtp: z.boolean().default(true),
    anonymous: z.boolean().default(true),
    phone: z.boolean().default(true),
    jwt: z.boolean().default(true),
    invites: z.boolean().default(true),
  })
  .strict()
  // An absent object is parsed as {}, so each default above is written once.
  .prefault({});

/**
 * Lifetimes in seconds of the secrets the Account API hands out; the defaults are Appwrite's.
 * src/core/token-kinds.ts says which secret uses which.
 */
const lifetimesSchema = z
  .object({
    /** The six-digit code of `POST /account/tokens/email`. */
    emailOtp: z.number().int().min(1).max(31_536_000).default(900),
    /** The six-digit code of `POST /account/tokens/phone`. */
    phoneOtp: z.number().int().min(1).max(31_536_000).default(900),
    /** The link of `POST /account/tokens/magic-url`. */
    magicUrl: z.number().int().min(1).max(31_536_000).default(3600),
    /** The e-mail verification link and the phone verification code. */
    verification: z.number().int().min(1).max(31_536_000).default(3600),
    /** The password recovery link. */
    recovery: z.number().int().min(1).max(31_536_000).default(3600),
    /** The six-digit code of `POST /account/recovery/otp`. */
    recoveryCode: z.number().int().min(1).max(31_536_000).default(900),
    /** The six-digit code of `POST /account/verifications/email/otp`. */
    verificationCode: z.number().int().min(1).max(31_536_000).default(900),
    /** An MFA challenge's code. */
    mfaChallenge: z.number().int().min(1).max(31_536_000).default(3600),
    /** An account JWT (`POST /account/jwts`). */
    jwt: z.number().int().min(1).max(31_536_000).default(900),
  })
  .strict()
  .prefault({});

const authSchema = z
  .object({
    /** Session lifetime in seconds (Appwrite `auths.duration`), 0–31 536 000. */
    sessionDuration: z.number().int().min(0).max(31_536_000).default(31_536_000),
    /** Sessions kept per user; the oldest go first (Appwrite `auths.maxSessions`). */
    maxSessions: z.number().int().min(1).max(100).default(10),
    /** How many previous passwords may not be reused (0 = off). */
    passwordHistory: z.number().int().min(0).max(20).default(0),
    /** Refuse the 10 000 most common passwords. */
    passwordDictionary: z.boolean().default(false),
    /** Refuse passwords that contain the user's id, e-mail, name or phone. */
    personalDataCheck: z.boolean().default(false),
    /** Maximum number of users (0 = unlimited). */
    userLimit: z.number().int().min(0).default(0),
    /**
     * E-mail the user when a new session starts on an account that already has one (password
     * login and token sessions other than magic URL and e-mail OTP, as in Appwrite;
     * test/http/session-alerts.test.ts). Needs a mailer.
     */
    sessionAlerts: z.boolean().default(false),
    /**
     * Appwrite's project setting of the same name, on by default here: a password change
     * (`PATCH /account/password`) deletes the user's other sessions, a recovery
     * (`PUT /account/recovery`) deletes all of them. `false` keeps them, as Appwrite 1.6 does.
     */
    invalidateSessions: z.boolean().default(true),
    /**
     * Recovery, magic URL and e-mail OTP answer the same for known and unknown addresses, and
     * sign-up conflicts cost the same time as sign-ups (src/core/enumeration.ts says what changes).
     * Off by default: Appwrite answers 404 to a recovery for an unknown address.
     */
    enumerationProtection: z.boolean().default(false),
    /** Phone numbers that log in with a fixed code and get no SMS (app-store reviewers, tests). */
    mockNumbers: z
      .array(
        z.object({
          phone: z.string().regex(E164_PATTERN, "must be an E.164 phone number"),
          otp: z.string().regex(/^\d{6}$/, "must be 6 digits"),
        }),
      )
      .default([]),
    methods: methodsSchema,
    lifetimes: lifetimesSchema,
  })
  .strict()
  .prefault({});

/**
 * One OAuth2 provider's app (providers: src/oauth/providers.ts). Extra keys are provider-specific (Microsoft `tenant`);
 * `issuer` is the discovery issuer of oidc, okta, auth0, authentik (or a self-managed GitLab's URL).
 */
const oauth2ProviderSchema = z.looseObject({
  clientId: z.string().optional(),
  clientSecret: z.string().optional(),
  enabled: z.boolean().default(true),
  /** Replaces the provider's default scopes; the `scopes[]` of a request are added to them. */
  scopes: z.array(z.string()).optional(),
  issuer: z.url({ protocol: /^https?$/ }).optional(),
  /** Allows plain-http endpoints: only for a provider on the developer's own machine or in tests. */
  allowInsecureRequests: z.boolean().default(false),
  /**
   * Native sign-in with the provider's ID token (`POST /account/sessions/id-token`), independent
   * of `enabled` (the browser flow) and needing no `clientSecret` (src/core/operations/id-token.ts).
   */
  nativeEnabled: z.boolean().default(false),
  /**
   * More audiences an ID token may be issued for besides `clientId`: an iOS app's bundle ID for
   * Sign in with Apple, the Android and iOS client IDs of a Google project.
   */
  clientIds: z.array(z.string().min(1).max(256)).max(100).default([]),
});

/**
 * The public API base URL. Only http(s), no credentials, query or fragment; a trailing slash is
 * dropped so that `endpoint + "/account"` is always one slash.
 */
const endpointSchema = z
  .string()
  .check((ctx) => {
    let url: URL;
    try {
      url = new URL(ctx.value);
    } catch {
      ctx.issues.push({ code: "custom", input: ctx.value, message: "must be an absolute URL such as https://api.example.com/v1" });
      return;
    }
    const problem =
      url.protocol !== "http:" && url.protocol !== "https:"
        ? "must be an http or https URL"
        : url.username || url.password
          ? "must not hold a user name or password"
          : url.search || url.hash || ctx.value.includes("?") || ctx.value.includes("#")
            ? "must not hold a query or fragment"
            : null;
    if (problem) ctx.issues.push({ code: "custom", input: ctx.value, message: `${problem} (e.g. https://api.example.com/v1)` });
  })
  .transform((value) => {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  });

export const configSchema = z
  .object({
    /** The one project this service answers for (`X-Appwrite-Project`). */
    projectId: z
      .string()
      .regex(ID_PATTERN, "must be 1–36 characters of a-z, A-Z, 0-9, period, hyphen or underscore, not starting with a special character"),
    /** Shown in e-mails and TOTP issuer names; defaults to the project id. */
    projectName: z.string().min(1).optional(),
    store: port<Store>("Store", STORE_METHOD_PATHS),
    /**
     * The public base URL of this API as clients reach it, e.g. `https://api.example.com/v1`: its
     * path is the API base. Every link the server makes (the default magic-URL link, the OAuth2
     * `redirect_uri` and callback hops, the mock provider's pages) starts with it, and its host is,
     * besides `platforms`, the one host redirect `url` parameters may point at. No request header
     * changes either. Required in production (`production: true` refuses to start without it);
     * when absent (development), links are built from the URL the request arrived at.
     */
    endpoint: endpointSchema.optional(),
    /**
     * Hostnames of the web apps allowed to call the API and to be redirect targets, e.g.
     * `["localhost", "app.example.com", "*.example.com"]`. `localhost` is allowed only if listed.
     */
    platforms: z.array(z.string().regex(HOSTNAME_PATTERN, "must be a hostname such as app.example.com or *.example.com")).default([]),
    /**
     * Bundle or package IDs of native apps (iOS, Android, Flutter, macOS, Windows, Linux), e.g.
     * `com.example.app`. Appwrite's native SDKs send `Origin: appwrite-ios://<id>` (or
     * `appwrite-android://`, …); these IDs pass the origin check but are never redirect targets.
     */
    nativeApps: z.array(z.string().regex(APP_ID_PATTERN, "must be a bundle or package ID such as com.example.app")).default([]),
    /** Server API keys accepted in `X-Appwrite-Key` on the `sessions.write` routes. */
    apiKeys: z.array(apiKeySchema).default([]),
    auth: authSchema,
    /**
     * A long random secret, the same on every instance: signs JWTs and seals stored recovery codes.
     * When absent a random one is made per process (fine for one instance and for tests).
     */
    secret: z.string().min(32, "must be at least 32 characters").optional(),
    passwordHasher: port<PasswordHasher>("PasswordHasher", ["hash", "verify", "needsRehash"]).optional(),
    rateLimiter: port<RateLimiter>("RateLimiter", ["hit", "peek"]).optional(),
    /** Set false to switch rate limiting off for everyone (Appwrite's `_APP_OPTIONS_ABUSE=disabled`). */
    rateLimits: z.boolean().default(true),
    clock: port<Clock>("Clock", ["now"]).optional(),
    mailer: port<Mailer>("Mailer", ["send"]).optional(),
    sms: port<Sms>("Sms", ["send"]).optional(),
    geo: port<Geo>("Geo", ["country"]).optional(),
    /**
     * The fetch used for every request to OAuth2 providers (discovery, token, profile). Defaults to
     * the global fetch; pass your own to go through an egress proxy, or to answer from provider
     * doubles in your app's tests.
     */
    fetch: z.custom<typeof fetch>((value) => typeof value === "function", "must be a fetch function").optional(),
    /**
     * Message texts by locale, overriding or adding to the built-in English ones:
     * `{ mail: { de: { recovery: { subject, text, html } } }, sms: { de: { "phone-login": "…" } } }`.
     */
    messages: z
      .object({
        mail: z
          .record(z.string(), z.record(z.string(), z.object({ subject: z.string(), text: z.string(), html: z.string() }).partial()))
          .optional(),
        sms: z.record(z.string(), z.record(z.string(), z.string())).optional(),
      })
      .strict()
      .default({}),
    /** Peers whose `X-Forwarded-For` is believed (exact IPs). Others' headers are ignored. */
    trustedProxies: z.array(z.string()).default([]),
    /** OAuth2 providers by name (`github`, `oidc`…): app id, secret and options. */
    oauth2: z.record(z.string(), oauth2ProviderSchema).default({}),
    /**
     * Gets faults that did not fail a request because what it asked for was done: a session alert
     * e-mail that could not be sent. Default: `console.error`.
     */
    reportError: z.custom<(error: unknown) => void>((value) => typeof value === "function", "must be a function").optional(),
    /**
     * The Appwrite version Gatehouse answers as: `version` in error bodies, and the line above
     * which an SDK's `X-Appwrite-Response-Format` draws a "downgrade your SDK" warning. The
     * newest format it fully serves (appwrite 28's), so today's SDKs print none; older SDKs get
     * their own models (src/http/response-format.ts).
     */
    version: z.string().default("2.3.0"),
  })
  .strict();

export type GatehouseConfig = z.input<typeof configSchema>;
export type ResolvedConfig = z.output<typeof configSchema>;

/** Validates the config; a wrong key throws a message that names the key and says why. */
export function resolveConfig(input: GatehouseConfig): ResolvedConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "(config)";
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => (issue.path.length ? `${path}.${k}` : k));
      return `${keys.join(", ")}: unknown option`;
    }
    return `${path}: ${issue.message}`;
  });
  throw new TypeError(`Invalid Gatehouse config:\n  ${lines.join("\n  ")}`);
}
