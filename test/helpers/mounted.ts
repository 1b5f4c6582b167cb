import { createAccountService, memoryStore, type AccountService } from "gatehouse-auth";
import { AppwriteException, ID } from "node-appwrite";
import { expect } from "vitest";
import { uniqueEmail } from "./flows";
import { raw, serverClient, sessionClient } from "./sdk";
import { API_KEY, PROJECT, cheapHasher } from "./server";

/**
 * What every framework mount must pass (test/adapters/fastify.test.ts, hono.test.ts): the
 * `node-appwrite` SSR flow, the session cookies and the CORS preflight, through the framework.
 */
export const PASSWORD = "password123";

export function mountedService(): AccountService {
  return createAccountService({
    projectId: PROJECT,
    store: memoryStore(),
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    apiKeys: [API_KEY],
  });
}

/** node-appwrite against `endpoint`: sign up, log in, get the account, log out. Returns the e-mail. */
export async function nodeSdkRoundTrip(endpoint: string): Promise<string> {
  const email = uniqueEmail("mounted");
  const admin = serverClient(endpoint).account;
  const user = await admin.create(ID.unique(), email, PASSWORD, "Mounted");
  expect(user.email).toBe(email);
  const session = await admin.createEmailPasswordSession(email, PASSWORD);
  expect(session.secret).not.toBe("");
  const { account } = sessionClient(endpoint, session.secret);
  const me = await account.get();
  expect(me.$id).toBe(user.$id);
  await account.updatePrefs({ theme: "dark" });
  expect(await account.getPrefs()).toEqual({ theme: "dark" });
  await account.deleteSession("current");
  const after = await account.get().catch((error: unknown) => error);
  expect(after).toBeInstanceOf(AppwriteException);
  expect({ code: (after as AppwriteException).code, type: (after as AppwriteException).type }).toEqual({
    code: 401,
    type: "general_unauthorized_scope",
  });
  return email;
}

/** A preflight from a platform's origin, then a log-in whose two session cookies open the account. */
export async function cookiesAndCors(endpoint: string, email: string): Promise<void> {
  const origin = "http://localhost:5173";
  const preflight = await raw(endpoint, "OPTIONS", "/account/sessions/email", {
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-appwrite-project" },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
  expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");

  const login = await raw(endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD }, headers: { origin } });
  expect(login.status).toBe(201);
  expect(login.headers.get("access-control-allow-origin")).toBe(origin);
  const cookies = login.headers.getSetCookie();
  expect(cookies).toHaveLength(2);
  expect(cookies.some((c) => c.startsWith(`a_session_${PROJECT}_legacy=`))).toBe(true);
  expect(cookies.some((c) => c.startsWith(`a_session_${PROJECT}=`) && c.includes("SameSite=None"))).toBe(true);
  const cookie = cookies.map((c) => c.split(";")[0]).join("; ");
  const me = await raw(endpoint, "GET", "/account", { headers: { cookie, origin } });
  expect(me.status).toBe(200);
  expect(me.json?.email).toBe(email);
}

/**
 * A form log-in, and malformed bodies answered with Appwrite's errors (not the framework's).
 * `bytesIntact: false` where a middleware already decoded the body as text (Hono's `c.req.json()`):
 * the bytes that were not UTF-8 are gone by then, so that check is left out.
 */
export async function rawBodies(endpoint: string, email: string, { bytesIntact = true } = {}): Promise<void> {
  const form = await raw(endpoint, "POST", "/account/sessions/email", {
    body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(form.status).toBe(201);
  expect(form.json?.providerUid).toBe(email);
  const invalid = await raw(endpoint, "POST", "/account/sessions/email", { body: "{oops" });
  expect(invalid.status).toBe(400);
  expect(invalid.json).toMatchObject({ code: 400, type: "general_argument_invalid", message: 'Param "email" is not optional.' });
  const huge = await raw(endpoint, "POST", "/account/sessions/email", { body: { email, password: "p".repeat(2 * 1024 * 1024) } });
  expect(huge.status).toBe(400);
  expect(huge.json).toMatchObject({ code: 400, type: "general_argument_invalid" });
  if (!bytesIntact) return;
  const latin1 = await fetch(`${endpoint}/account/sessions/email`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-appwrite-project": PROJECT },
    body: Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]), // {"e":"é"} in Latin-1
  });
  expect(latin1.status).toBe(400);
  expect(await latin1.json()).toMatchObject({ type: "general_argument_invalid", message: "Request body must be valid UTF-8." });
}
