/**
 * The security panel: MFA (authenticator app with a QR code, recovery codes, on/off), the sessions
 * with their device and country (each can be ended), OAuth2 identities and the security log.
 */
import { AuthenticatorType, type Models } from "appwrite";
import QRCode from "qrcode";
import { account } from "../sdk";
import { onState, refresh, type User } from "../session";
import { byId, describeError, el, onSubmit, setStatus, value, when } from "../ui";

let user: User | null = null;

/** "Chrome 120 on Linux, desktop" from the fields Appwrite's session and log models carry. */
function device(x: { clientName: string; clientVersion: string; osName: string; osVersion: string; deviceName: string }): string {
  const client = [x.clientName, x.clientVersion].filter(Boolean).join(" ") || "Unknown client";
  const os = [x.osName, x.osVersion].filter(Boolean).join(" ");
  return `${client}${os ? ` on ${os}` : ""}${x.deviceName ? `, ${x.deviceName}` : ""}`;
}

const country = (x: { countryName: string; countryCode: string }) => `${x.countryName} (${x.countryCode})`;

function sessionRow(session: Models.Session): HTMLTableRowElement {
  const row = el("tr", "", { "data-session-id": session.$id, ...(session.current ? { "data-current": "true" } : {}) });
  const end = el("button", session.current ? "Log out" : "End", { type: "button" });
  end.addEventListener("click", () => {
    void account
      .deleteSession(session.$id)
      .then(refresh, (error: unknown) => setStatus(byId("sessions-status"), "error", describeError(error)));
  });
  const cells = [
    device(session),
    country(session),
    session.ip,
    session.provider + (session.current ? " (this browser)" : ""),
    when(session.$createdAt),
  ];
  const action = el("td");
  action.append(end);
  row.append(...cells.map((text) => el("td", text)), action);
  return row;
}

function logRow(log: Models.Log): HTMLTableRowElement {
  const row = el("tr", "", { "data-event": log.event });
  row.append(...[when(log.time), log.event, device(log), country(log), log.ip].map((text) => el("td", text)));
  return row;
}

async function renderLists() {
  const [sessions, logs, identities] = await Promise.all([account.listSessions(), account.listLogs(), account.listIdentities()]);
  byId("sessions")
    .querySelector("tbody")!
    .replaceChildren(...sessions.sessions.map(sessionRow));
  byId("logs")
    .querySelector("tbody")!
    .replaceChildren(...logs.logs.map(logRow));
  byId("identities").replaceChildren(
    ...(identities.identities.length
      ? identities.identities.map((i) => el("li", `${i.provider}: ${i.providerEmail} (${i.providerUid})`))
      : [el("li", "None: this account signs in without OAuth2.")]),
  );
}

async function renderMfa(u: User) {
  const factors = await account.listMfaFactors();
  const on = Object.entries(factors)
    .filter(([, enabled]) => enabled === true)
    .map(([name]) => name);
  byId("mfa-state").textContent = `MFA is ${u.mfa ? "on" : "off"}. Factors available: ${on.join(", ") || "none"}.`;
  byId("mfa-toggle").textContent = u.mfa ? "Turn MFA off" : "Turn MFA on";
}

export function setUpSecurity() {
  onState(async (state) => {
    user = state.kind === "signed-in" ? state.user : null;
    byId("security").hidden = !user;
    if (!user) return;
    try {
      await Promise.all([renderLists(), renderMfa(user)]);
    } catch (error) {
      setStatus(byId("sessions-status"), "error", describeError(error));
    }
  });

  onSubmit("totp-form", async () => {
    const { secret, uri } = await account.createMfaAuthenticator(AuthenticatorType.Totp);
    byId<HTMLImageElement>("totp-qr").src = await QRCode.toDataURL(uri, { margin: 1, width: 200 });
    byId("totp-qr").dataset.uri = uri;
    byId("totp-secret").textContent = secret;
    byId("totp-setup").hidden = false;
    return "Scan the QR code, then type the app's code.";
  });
  onSubmit("totp-verify-form", async () => {
    await account.updateMfaAuthenticator(AuthenticatorType.Totp, value("totp-code"));
    byId("totp-setup").hidden = true;
    await refresh();
    return "Authenticator added. Create recovery codes, then turn MFA on.";
  });

  onSubmit("recovery-codes-form", async () => {
    const { recoveryCodes } = await account.createMfaRecoveryCodes();
    byId("recovery-codes").replaceChildren(...recoveryCodes.map((code) => el("li", code, { class: "recovery-code" })));
    return "Keep these codes somewhere safe: each signs you in once if you lose your authenticator.";
  });

  onSubmit("mfa-toggle-form", async () => {
    const on = !user?.mfa;
    await account.updateMFA(on);
    await refresh();
    return on ? "MFA is on: logging in now asks for a second factor." : "MFA is off.";
  });
}
