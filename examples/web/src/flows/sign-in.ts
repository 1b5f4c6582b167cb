/**
 * Signing up and in: password, magic link, e-mail code, phone code, anonymous, and the request for
 * a password reset (the link comes back to /reset, handled in ./landing.ts).
 */
import { ID } from "appwrite";
import { config, returnUrl } from "../config";
import { RETURN_PATHS } from "../paths";
import { showOutbox } from "../outbox";
import { account } from "../sdk";
import { refresh } from "../session";
import { byId, onSubmit, value } from "../ui";

/** The user id a code was sent for, until the code comes back. */
let pendingEmailUser = "";
let pendingPhoneUser = "";

export function setUpSignIn() {
  byId("mock-phone").textContent = config.mockPhone.phone;
  byId("mock-otp").textContent = config.mockPhone.otp;
  byId<HTMLInputElement>("phone-number").value = config.mockPhone.phone;

  onSubmit("signup-form", async () => {
    const email = value("signup-email");
    const password = byId<HTMLInputElement>("signup-password").value;
    const user = await account.create(ID.unique(), email, password, value("signup-name") || undefined);
    await account.createEmailPasswordSession(email, password);
    await refresh();
    return `Account ${user.$id} created, and you are signed in.`;
  });

  onSubmit("login-form", async () => {
    const session = await account.createEmailPasswordSession(value("login-email"), byId<HTMLInputElement>("login-password").value);
    await refresh();
    return `Signed in (session ${session.$id}).`;
  });

  onSubmit("magic-form", async (form) => {
    const email = value("magic-email");
    const since = Date.now();
    await account.createMagicURLToken(ID.unique(), email, returnUrl(RETURN_PATHS.magic));
    void showOutbox(form, { to: email, kind: "magic-url" }, since);
    return `A sign-in link is on its way to ${email}.`;
  });

  onSubmit("email-code-form", async (form) => {
    const email = value("email-code-email");
    const since = Date.now();
    pendingEmailUser = (await account.createEmailToken(ID.unique(), email)).userId;
    byId("email-code-verify-form").hidden = false;
    void showOutbox(form, { to: email, kind: "email-otp" }, since);
    return `A 6-digit code is on its way to ${email}.`;
  });
  onSubmit("email-code-verify-form", async () => {
    await account.createSession(pendingEmailUser, value("email-code-code"));
    await refresh();
    return "Signed in with the e-mail code.";
  });

  onSubmit("phone-form", async (form) => {
    const phone = value("phone-number");
    const since = Date.now();
    pendingPhoneUser = (await account.createPhoneToken(ID.unique(), phone)).userId;
    byId("phone-verify-form").hidden = false;
    void showOutbox(form, { to: phone, kind: "phone-login" }, since);
    return phone === config.mockPhone.phone ? `Mock number: the code is ${config.mockPhone.otp}.` : `A code is on its way to ${phone}.`;
  });
  onSubmit("phone-verify-form", async () => {
    await account.createSession(pendingPhoneUser, value("phone-code"));
    await refresh();
    return "Signed in with the phone code.";
  });

  onSubmit("anonymous-form", async () => {
    await account.createAnonymousSession();
    await refresh();
    return "Signed in as a guest. Keep the account by giving it an e-mail and a password.";
  });

  onSubmit("recovery-form", async (form) => {
    const email = value("recovery-email");
    const since = Date.now();
    await account.createRecovery(email, returnUrl(RETURN_PATHS.reset));
    void showOutbox(form, { to: email, kind: "recovery" }, since);
    return `A reset link is on its way to ${email}.`;
  });

  // Whatever the API answers (a session already gone is a 401), #whoami then shows the outcome.
  const logOut = (end: () => Promise<unknown>) => () => void end().then(refresh, refresh);
  byId("logout").addEventListener(
    "click",
    logOut(() => account.deleteSession("current")),
  );
  byId("logout-all").addEventListener(
    "click",
    logOut(() => account.deleteSessions()),
  );
}
