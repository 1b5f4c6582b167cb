/**
 * The account page: details, keeping a guest account, e-mail and phone verification, name, e-mail,
 * phone, password, preferences, and a JWT used by a second client as a backend would.
 */
import { showOutbox } from "../outbox";
import { returnUrl } from "../config";
import { RETURN_PATHS } from "../paths";
import { account, accountWithJwt } from "../sdk";
import { onState, refresh, type User } from "../session";
import { byId, el, onSubmit, value, when } from "../ui";

let user: User | null = null;

function details(u: User): Array<[string, string]> {
  return [
    ["User id", u.$id],
    ["Name", u.name || "(none)"],
    ["E-mail", u.email ? `${u.email} (${u.emailVerification ? "verified" : "not verified"})` : "(none)"],
    ["Phone", u.phone ? `${u.phone} (${u.phoneVerification ? "verified" : "not verified"})` : "(none)"],
    ["MFA", u.mfa ? "on" : "off"],
    ["Preferences", JSON.stringify(u.prefs)],
    ["Registered", when(u.registration)],
  ];
}

function render(u: User) {
  const list = byId("account-details");
  list.replaceChildren(...details(u).flatMap(([term, text]) => [el("dt", term), el("dd", text, { "data-field": term.toLowerCase() })]));
  // A guest (anonymous) account has neither e-mail nor phone: offer to keep it.
  byId("upgrade-form").hidden = Boolean(u.email || u.phone);
  byId<HTMLInputElement>("name-value").value = u.name;
  byId<HTMLSelectElement>("prefs-theme").value = u.prefs.theme === "dark" ? "dark" : "light";
  byId<HTMLInputElement>("prefs-newsletter").checked = u.prefs.newsletter === true;
}

export function setUpAccount() {
  onState((state) => {
    user = state.kind === "signed-in" ? state.user : null;
    byId("account").hidden = !user;
    if (user) render(user);
  });

  onSubmit("upgrade-form", async () => {
    // On an account without a password, updateEmail's password becomes its password.
    await account.updateEmail(value("upgrade-email"), byId<HTMLInputElement>("upgrade-password").value);
    await refresh();
    return "Saved: this is now an ordinary account.";
  });

  onSubmit("verify-email-form", async (form) => {
    const since = Date.now();
    await account.createVerification(returnUrl(RETURN_PATHS.verify));
    if (user) void showOutbox(form, { to: user.email, kind: "verification" }, since);
    return `A verification link is on its way to ${user?.email}.`;
  });

  onSubmit("verify-phone-form", async (form) => {
    const since = Date.now();
    await account.createPhoneVerification();
    byId("verify-phone-code-form").hidden = false;
    if (user) void showOutbox(form, { to: user.phone, kind: "phone-verification" }, since);
    return `A code is on its way to ${user?.phone}.`;
  });
  onSubmit("verify-phone-code-form", async () => {
    await account.updatePhoneVerification(user!.$id, value("verify-phone-code"));
    await refresh();
    return "Your phone number is verified.";
  });

  onSubmit("name-form", async () => {
    await account.updateName(value("name-value"));
    await refresh();
    return "Name saved.";
  });

  onSubmit("email-form", async () => {
    await account.updateEmail(value("email-value"), byId<HTMLInputElement>("email-password").value);
    await refresh();
    return "E-mail changed; verify the new address.";
  });

  onSubmit("phone-update-form", async () => {
    await account.updatePhone(value("phone-value"), byId<HTMLInputElement>("phone-password").value);
    await refresh();
    return "Phone changed; verify the new number.";
  });

  onSubmit("password-form", async () => {
    const old = byId<HTMLInputElement>("password-old").value;
    await account.updatePassword(byId<HTMLInputElement>("password-new").value, old || undefined);
    await refresh();
    return "Password changed; your other sessions were ended.";
  });

  onSubmit("prefs-form", async () => {
    const prefs = { theme: byId<HTMLSelectElement>("prefs-theme").value, newsletter: byId<HTMLInputElement>("prefs-newsletter").checked };
    await account.updatePrefs(prefs);
    await refresh();
    return "Preferences saved.";
  });

  onSubmit("jwt-form", async () => {
    const { jwt } = await account.createJWT();
    // What a backend does with it: a client that sends only the JWT acts as this user.
    const seen = await accountWithJwt(jwt).get();
    const payload = JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    byId("jwt-output").textContent = `${jwt}\n\npayload: ${JSON.stringify(payload, null, 2)}`;
    return `JWT created; a client holding only the JWT sees user ${seen.$id}.`;
  });
}
