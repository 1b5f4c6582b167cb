import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { twilioSms, TwilioError } from "gatehouse-auth/twilio";
import { browser, expectAppwriteError } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";

const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN = "twilio-test-auth-token";
const FROM = "+15005550006";
const SERVICE_SID = "MG0123456789abcdef0123456789abcdef";

/**
 * A local HTTP server on loopback that STANDS IN FOR TWILIO: nothing here talks to the real
 * api.twilio.com. It records every request and answers the way Twilio's Messages API documents
 * (201 with the message resource, or an error status with Twilio's error JSON).
 */
interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  form: URLSearchParams;
}

let twilio: Server;
let twilioUrl = "";
const received: Received[] = [];
let reply: (r: Received) => { status: number; body: unknown } = (r) => created(r);

function created(r: Received) {
  return {
    status: 201,
    body: {
      sid: "SM0123456789abcdef0123456789abcdef",
      account_sid: ACCOUNT_SID,
      to: r.form.get("To"),
      from: r.form.get("From"),
      messaging_service_sid: r.form.get("MessagingServiceSid"),
      body: r.form.get("Body"),
      status: "queued",
      num_segments: "1",
      direction: "outbound-api",
      api_version: "2010-04-01",
      error_code: null,
      error_message: null,
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM0123456789abcdef0123456789abcdef.json`,
    },
  };
}

beforeAll(async () => {
  twilio = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const r: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, form: new URLSearchParams(body) };
      received.push(r);
      const { status, body: out } = reply(r);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => twilio.listen(0, "127.0.0.1", resolve));
  twilioUrl = `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => twilio.close(() => resolve()));
});

afterEach(() => {
  received.length = 0;
  reply = created;
});

const sms = (extra: Partial<Parameters<typeof twilioSms>[0]> = {}) =>
  twilioSms({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, baseUrl: twilioUrl, ...extra });

/** Everything Twilio documents for "send an SMS", checked on one recorded request. */
function expectTwilioRequest(
  r: Received | undefined,
  to: string,
  sender: { From: string } | { MessagingServiceSid: string } = { From: FROM },
) {
  expect(r).toBeDefined();
  expect(r!.method).toBe("POST");
  expect(r!.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
  expect(r!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString("base64")}`);
  expect(r!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  expect([...r!.form.keys()].sort()).toEqual(["Body", "To", ...Object.keys(sender)].sort());
  expect(r!.form.get("To")).toBe(to);
  for (const [key, value] of Object.entries(sender)) expect(r!.form.get(key)).toBe(value);
  return r!.form.get("Body")!;
}

describe("twilioSms: the port on its own", () => {
  it("posts To/From/Body form-encoded with Basic auth, and resolves on Twilio's 201", async () => {
    await sms().send({ to: "+14155550100", kind: "phone-login", text: "Your code: 123456 & more", secret: "123456" });
    expect(received).toHaveLength(1);
    expect(expectTwilioRequest(received[0], "+14155550100")).toBe("Your code: 123456 & more");
  });

  it("sends MessagingServiceSid instead of From when configured", async () => {
    const port = twilioSms({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, messagingServiceSid: SERVICE_SID, baseUrl: `${twilioUrl}/` });
    await port.send({ to: "+14155550101", kind: "mfa-otp", text: "654321", secret: "654321" });
    expect(expectTwilioRequest(received[0], "+14155550101", { MessagingServiceSid: SERVICE_SID })).toBe("654321");
  });

  it("throws a TwilioError with Twilio's code and message on a non-2xx answer", async () => {
    reply = () => ({
      status: 400,
      body: {
        code: 21211,
        message: "The 'To' number is not a valid phone number.",
        more_info: "https://www.twilio.com/docs/errors/21211",
        status: 400,
      },
    });
    const error = await sms()
      .send({ to: "+1", kind: "phone-login", text: "1", secret: "1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TwilioError);
    expect(error).toMatchObject({ code: 21211, status: 400, moreInfo: "https://www.twilio.com/docs/errors/21211" });
    expect((error as Error).message).toContain("The 'To' number is not a valid phone number.");
    expect((error as Error).message).not.toContain(AUTH_TOKEN);
  });

  it("throws with the HTTP status when the error body is not JSON", async () => {
    const port = twilioSms({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      fetch: async () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    });
    await expect(port.send({ to: "+14155550100", kind: "phone-login", text: "1", secret: "1" })).rejects.toMatchObject({
      name: "TwilioError",
      status: 502,
      code: undefined,
      message: expect.stringContaining("HTTP 502"),
    });
  });

  it("uses the fetch passed in, against https://api.twilio.com by default", async () => {
    const calls: string[] = [];
    const port = twilioSms({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      fetch: async (input) => {
        calls.push(String(input));
        return new Response("{}", { status: 201 });
      },
    });
    await port.send({ to: "+14155550100", kind: "phone-login", text: "1", secret: "1" });
    expect(calls).toEqual([`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`]);
    expect(received).toHaveLength(0);
  });

  it("rejects bad options with a TypeError naming the key", () => {
    const good = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM };
    expect(() => twilioSms({ ...good, accountSid: "SK123" })).toThrow(/accountSid: must be a Twilio account SID/);
    expect(() => twilioSms({ ...good, authToken: "" })).toThrow(/authToken:/);
    expect(() => twilioSms({ ...good, baseUrl: "ftp://example.com" })).toThrow(/baseUrl: must be an http\(s\) URL/);
    expect(() => twilioSms({ ...good, fetch: "nope" as unknown as typeof fetch })).toThrow(/fetch: must be a function/);
    expect(() => twilioSms({ ...good, messagingServiceSid: SERVICE_SID })).toThrow(
      /messagingServiceSid: pass either from or messagingServiceSid, not both/,
    );
    expect(() => twilioSms({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })).toThrow(/from: pass either from or messagingServiceSid/);
    expect(() =>
      twilioSms({ ...good, messagingServiceSid: undefined, from: undefined, messagingServiceSId: SERVICE_SID } as never),
    ).toThrow(/messagingServiceSId: unknown option/);
    expect(() => twilioSms({ ...good, accountSid: "SK123" })).toThrow(TypeError);
  });
});

describe("twilioSms behind the Account API, through the web SDK", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ sms: sms() });
  });
  afterAll(() => server.close());

  it("phone login: the code arrives by Twilio, updatePhoneSession logs in, the phone is verified", async () => {
    const b = browser(server.endpoint);
    const token = await b.use((account) => account.createPhoneToken(ID.unique(), "+14155552671"));
    expect(received).toHaveLength(1);
    const code = expectTwilioRequest(received[0], "+14155552671");
    expect(code).toMatch(/^\d{6}$/);

    const me = await b.use(async (account) => {
      const session = await account.updatePhoneSession(token.userId, code);
      expect(session.provider).toBe("phone");
      expect(session.current).toBe(true);
      return account.get();
    });
    expect(me.$id).toBe(token.userId);
    expect(me.phone).toBe("+14155552671");
    expect(me.phoneVerification).toBe(true);
  });

  it("phone verification for a signed-in user: the code arrives by Twilio and verifies the number", async () => {
    const b = browser(server.endpoint);
    const me = await b.use(async (account) => {
      const user = await account.create(ID.unique(), "twilio-verify@example.com", "password123");
      await account.createEmailPasswordSession("twilio-verify@example.com", "password123");
      const updated = await account.updatePhone("+14155552672", "password123");
      expect(updated.phoneVerification).toBe(false);
      expect(received).toHaveLength(0); // updatePhone sends nothing by itself

      await account.createPhoneVerification();
      expect(received).toHaveLength(1);
      const code = expectTwilioRequest(received[0], "+14155552672");
      expect(code).toMatch(/^\d{6}$/);

      // A wrong code does not verify.
      const wrong = code === "000000" ? "111111" : "000000";
      await expectAppwriteError(account.updatePhoneVerification(user.$id, wrong), "user_invalid_token", 401);
      expect((await account.get()).phoneVerification).toBe(false);

      await account.updatePhoneVerification(user.$id, code);
      return account.get();
    });
    expect(me.phone).toBe("+14155552672");
    expect(me.phoneVerification).toBe(true);
  });

  it("a provider error answers 503 general_server_error and leaves no token behind", async () => {
    reply = () => ({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });
    const userId = ID.unique();
    const b = browser(server.endpoint);
    await expectAppwriteError(
      b.use((account) => account.createPhoneToken(userId, "+14155552673")),
      "general_server_error",
      503,
    );
    // Twilio was asked, and refused.
    expect(received).toHaveLength(1);
    expectTwilioRequest(received[0], "+14155552673");
    const store = server.service.config.store;
    expect(await store.users.get(userId)).not.toBeNull(); // the account exists (as in Appwrite) …
    expect(await store.tokens.list(userId, new Date())).toEqual([]); // … but no code nobody received
  });
});

describe("mock numbers bypass Twilio", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ sms: sms(), auth: { mockNumbers: [{ phone: "+14155552699", otp: "123456" }] } });
  });
  afterAll(() => server.close());

  it("no request reaches Twilio and the fixed code logs in", async () => {
    const b = browser(server.endpoint);
    const me = await b.use(async (account) => {
      const token = await account.createPhoneToken(ID.unique(), "+14155552699");
      await account.updatePhoneSession(token.userId, "123456");
      return account.get();
    });
    expect(received).toHaveLength(0);
    expect(me.phone).toBe("+14155552699");
    expect(me.phoneVerification).toBe(true);
  });

  it("other numbers on the same server still go through Twilio", async () => {
    const b = browser(server.endpoint);
    await b.use((account) => account.createPhoneToken(ID.unique(), "+14155552698"));
    expect(received).toHaveLength(1);
    expect(received[0]!.form.get("To")).toBe("+14155552698");
  });
});
