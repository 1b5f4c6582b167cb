/**
 * Property for the ID-token input of `POST /account/sessions/id-token` (the route is also in
 * fuzz.test.ts's P1 with generic hostile parameters): tokens built from hostile headers, claims
 * and signatures, some genuinely signed by the provider's key, sent through the in-process
 * handler. Seeded like fuzz.test.ts (FUZZ_SEED, FUZZ_RUNS, FUZZ_REPLAY).
 *
 *  - A token is accepted (201) exactly when an independent reading of the rules says it is valid
 *    (`oracle` below): signed with the provider's key under RS256, right issuer and audience,
 *    `exp`, `iat` and `sub` within bounds, no nonce claim (none is sent).
 *  - Everything else answers 401 `user_oauth2_token_invalid` or 400 `general_argument_invalid`,
 *    never 5xx, and creates no user.
 *  - Made-up key ids cannot make the server fetch the key set more than once a minute: over the
 *    whole run (the clock does not move) at most the first fetch and one refetch happen.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountService, createHandler, memoryStore, type Store } from "gatehouse-auth";
import { SignJWT } from "jose";
import { cheapHasher } from "../helpers/server";
import { manualClock } from "../helpers/clock";
import { seconds, startIssuer, type TestIssuer } from "../helpers/id-token-issuer";

const SEED = Number(process.env.FUZZ_SEED ?? 0x11_5ec) + 1400;
const RUNS = Number(process.env.FUZZ_RUNS ?? 20) * 10;
const replay = /^(-?\d+):([\d:]+)$/.exec(process.env.FUZZ_REPLAY ?? "");
const CLIENT = "fuzz-web-client";
const NOW_MS = Date.parse("2026-06-01T12:00:00Z");
const NOW = seconds(NOW_MS);

let issuer: TestIssuer;
let store: Store;
let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  issuer = await startIssuer();
  store = memoryStore();
  const service = createAccountService({
    projectId: "fuzz-id-token",
    store,
    passwordHasher: cheapHasher(),
    clock: manualClock(NOW_MS),
    rateLimits: false,
    fetch: issuer.fetchFor(),
    oauth2: { google: { clientId: CLIENT, nativeEnabled: true } },
    reportError: () => {},
  });
  handler = createHandler(service, { onError: () => {} });
});
afterAll(() => issuer?.close());

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const ISSUERS = ["https://accounts.google.com", "accounts.google.com"];

const claimValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
/** A time claim near now, or anything. */
const time = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((offset) => NOW + offset) },
  { weight: 1, arbitrary: claimValue },
);
/** Mostly a value the rules accept, sometimes anything (or absent), so both answers are reached. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 7, arbitrary: good as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.option(bad, { nil: undefined }) });
const rarely = (bad: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bad });

const claims = fc.record({
  iss: mostly(
    fc.constantFrom(...ISSUERS),
    fc.oneof(fc.constantFrom("https://appleid.apple.com", "https://accounts.google.com/"), claimValue),
  ),
  aud: mostly(fc.constantFrom(CLIENT, [CLIENT, "other"]), fc.oneof(fc.constant(["other"]), claimValue)),
  sub: mostly(fc.string({ minLength: 1, maxLength: 40 }), claimValue),
  exp: mostly(
    fc.integer({ min: -59, max: 7200 }).map((offset) => NOW + offset),
    time,
  ),
  iat: mostly(
    fc.integer({ min: -60, max: 86_460 }).map((age) => NOW - age),
    time,
  ),
  nbf: rarely(time),
  nonce: rarely(fc.oneof(fc.string({ maxLength: 10 }), claimValue)),
  email: fc.option(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 30 })), { nil: undefined }),
  email_verified: fc.option(fc.oneof(fc.boolean(), fc.constantFrom("true", "false"), claimValue), { nil: undefined }),
  name: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
});

type Claims = Record<string, unknown>;
type Signing = "genuine" | "random" | "empty" | "foreign-alg";
const token = fc.record({
  claims,
  alg: fc.oneof(
    { weight: 5, arbitrary: fc.constant("RS256") },
    { weight: 1, arbitrary: fc.constantFrom("none", "HS256", "ES256", "RS512", "PS256", "") },
  ),
  kid: fc.oneof(
    { weight: 5, arbitrary: fc.constant("real") },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(undefined), fc.integer()) },
  ),
  signing: fc.constantFrom<Signing>("genuine", "genuine", "genuine", "random", "empty", "foreign-alg"),
  mangle: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.string({ maxLength: 60 }) }),
});

/** An independent reading of the rules (src/oauth/id-token.ts): would this token be accepted? */
function oracle(t: { claims: Claims; alg: string; kid: unknown; signing: Signing; mangle: string | null }): boolean {
  const c = t.claims;
  if (t.mangle !== null || t.alg !== "RS256" || t.kid !== "real" || t.signing !== "genuine") return false;
  if (typeof c.iss !== "string" || !ISSUERS.includes(c.iss)) return false;
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(CLIENT)) return false;
  if (typeof c.exp !== "number" || !(c.exp > NOW - 60)) return false;
  if (typeof c.iat !== "number" || NOW - c.iat < -60 || NOW - c.iat > 86_400 + 60) return false;
  if (c.nbf !== undefined && (typeof c.nbf !== "number" || c.nbf > NOW + 60)) return false;
  if (typeof c.sub !== "string" || c.sub === "") return false;
  if (typeof c.nonce === "string" && c.nonce !== "") return false;
  return true;
}

async function build(t: { claims: Claims; alg: string; kid: unknown; signing: Signing; mangle: string | null }): Promise<string> {
  if (t.mangle !== null) return t.mangle;
  const header: Record<string, unknown> = { alg: t.alg };
  if (t.kid !== undefined) header.kid = t.kid === "real" ? issuer.current.kid : t.kid;
  const payload = JSON.stringify(Object.fromEntries(Object.entries(t.claims).filter(([, v]) => v !== undefined)));
  const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  if (t.signing === "empty") return `${input}.`;
  if (t.signing === "random") return `${input}.${createHash("sha256").update(input).digest("base64url")}`;
  // Signed by the provider's RSA key, whatever the header says (or, "foreign-alg", with HS256
  // keyed by the public key): only an RS256 header over a genuine signature may pass.
  const signed =
    t.signing === "genuine"
      ? await new SignJWT(JSON.parse(payload) as Claims)
          .setProtectedHeader({ alg: "RS256", kid: issuer.current.kid })
          .sign(issuer.current.privateKey)
      : await new SignJWT(JSON.parse(payload) as Claims)
          .setProtectedHeader({ alg: "HS256" })
          .sign(new TextEncoder().encode(JSON.stringify(issuer.current.publicJwk)));
  return `${input}.${signed.split(".")[2]}`;
}

describe("ID-token input", () => {
  it("accepts exactly the valid tokens; refuses the rest with 401/400, no 5xx, no user; key fetches stay bounded", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const idToken = await build(t);
        const before = await store.users.count();
        const response = await handler.fetch(
          new Request("http://localhost/v1/account/sessions/id-token", {
            method: "POST",
            headers: { "content-type": "application/json", "x-appwrite-project": "fuzz-id-token" },
            body: JSON.stringify({ provider: "google", idToken }),
          }),
        );
        const body = (await response.json()) as { type?: string; userId?: string };
        expect(response.status).toBeLessThan(500);
        if (oracle(t)) {
          expect(response.status, JSON.stringify(body)).toBe(201);
          accepted += 1;
          return;
        }
        expect([401, 400]).toContain(response.status);
        expect(["user_oauth2_token_invalid", "general_argument_invalid"]).toContain(body.type);
        expect(await store.users.count()).toBe(before);
      }),
      { ...(replay ? { seed: Number(replay[1]), path: replay[2]! } : { seed: SEED }), numRuns: RUNS },
    );
    // The generator reaches both sides.
    expect(accepted).toBeGreaterThan(0);
    expect(issuer.jwksRequests).toBeLessThanOrEqual(2);
  }, 120_000);
});
