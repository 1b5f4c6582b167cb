import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { accountRoutes } from "gatehouse-auth/next";
import { createTestAccountService } from "gatehouse-auth/testing";
import { endSession, signedInUser, submitLogin } from "../lib/pages";
import { loginForm, visitor } from "./browser";

// The real Account service in memory (README, "Testing your app"): no database, no Next server.
const t = createTestAccountService({ projectId: "next-example" });
beforeEach(() => t.reset());
afterAll(() => t.close());

const PASSWORD = "correct horse battery";

describe("the login page and the protected page", () => {
  it("creating an account logs the visitor in, and the protected page finds the user", async () => {
    const ada = visitor(t.service);
    expect(await signedInUser(ada.session())).toBeNull();

    const failed = await submitLogin(
      ada.session(),
      loginForm({ intent: "sign-up", email: "ada@example.com", password: PASSWORD, name: "Ada" }),
    );

    expect(failed).toBeNull();
    expect(await signedInUser(ada.session())).toMatchObject({ email: "ada@example.com", name: "Ada" });
  });

  it("a wrong password shows Gatehouse's message and keeps the e-mail in the form", async () => {
    await t.signUp({ email: "ada@example.com", password: PASSWORD });
    const ada = visitor(t.service);

    const failed = await submitLogin(ada.session(), loginForm({ intent: "log-in", email: "ada@example.com", password: "wrong password" }));

    expect(failed).toEqual({ error: expect.stringMatching(/Invalid credentials/), email: "ada@example.com" });
    expect(ada.cookies.size).toBe(0);
    expect(await signedInUser(ada.session())).toBeNull();
  });

  it("the name is optional: an account created with the field left empty has none", async () => {
    const ada = visitor(t.service);

    const failed = await submitLogin(
      ada.session(),
      loginForm({ intent: "sign-up", email: "ada@example.com", password: PASSWORD, name: "" }),
    );

    expect(failed).toBeNull();
    expect(await signedInUser(ada.session())).toMatchObject({ email: "ada@example.com", name: "" });
  });

  it("creating an account twice shows that it exists", async () => {
    await t.signUp({ email: "ada@example.com", password: PASSWORD });

    const failed = await submitLogin(
      visitor(t.service).session(),
      loginForm({ intent: "sign-up", email: "ada@example.com", password: PASSWORD, name: "Ada" }),
    );

    expect(failed?.error).toMatch(/already exists/);
  });

  it("logging out ends the session: its cookie is gone and the old value opens nothing", async () => {
    await t.signUp({ email: "ada@example.com", password: PASSWORD });
    const ada = visitor(t.service);
    await submitLogin(ada.session(), loginForm({ intent: "log-in", email: "ada@example.com", password: PASSWORD }));
    const stolen = new Map(ada.cookies);
    expect(stolen.size).toBeGreaterThan(0);

    await endSession(ada.session());

    expect(ada.cookies.size).toBe(0);
    expect(await signedInUser(ada.session())).toBeNull();
    // The session itself ended, not only the cookie: a copy of the old cookie is refused.
    const thief = visitor(t.service);
    for (const [name, value] of stolen) thief.cookies.set(name, value);
    expect(await signedInUser(thief.session())).toBeNull();
  });
});

describe("the route handler (app/v1/[...path]/route.ts)", () => {
  const { GET, POST, PUT } = accountRoutes(() => t.service);
  const call = (handler: typeof GET, method: string, path: string, cookie: string, body?: unknown) =>
    handler(
      new Request(`http://localhost:3000/v1${path}`, {
        method,
        headers: { "X-Appwrite-Project": t.projectId, "Content-Type": "application/json", Cookie: cookie },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );

  it("reads the session the login form's action set, and verifies the e-mail from the link it sends", async () => {
    const ada = visitor(t.service);
    await submitLogin(ada.session(), loginForm({ intent: "sign-up", email: "ada@example.com", password: PASSWORD, name: "Ada" }));

    const me = await call(GET, "GET", "/account", ada.header());
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: "ada@example.com", emailVerification: false });

    // What the browser's Appwrite SDK does: account.createVerification(url), then updateVerification.
    const sent = await call(POST, "POST", "/account/verification", ada.header(), { url: "http://localhost:3000/verify" });
    expect(sent.status).toBe(201);
    const { userId, secret, link } = t.lastEmail("ada@example.com", "verification");
    expect(link).toMatch(/^http:\/\/localhost:3000\/verify\?/);
    const verified = await call(PUT, "PUT", "/account/verification", ada.header(), { userId, secret });
    expect(verified.status).toBe(200);

    expect(await signedInUser(ada.session())).toMatchObject({ emailVerification: true });
  });

  it("answers a visitor without a session with Appwrite's error type", async () => {
    const guest = await call(GET, "GET", "/account", "");
    expect(guest.status).toBe(401);
    expect(await guest.json()).toMatchObject({ type: "general_unauthorized_scope" });
  });
});
