/**
 * The MFA challenge at login: after the first factor, Appwrite answers account.get with 401
 * user_more_factors_required; the user picks a factor, gets a challenge and answers it.
 */
import { AuthenticationFactor } from "appwrite";
import { showOutbox } from "../outbox";
import { account } from "../sdk";
import { onState, refresh } from "../session";
import { byId, el, onSubmit, value } from "../ui";

let challengeId = "";

/** The factors this account has, as the select's options (totp first: the usual choice). */
async function fillFactors() {
  const factors = await account.listMfaFactors();
  const order: Array<[keyof typeof factors, AuthenticationFactor, string]> = [
    ["totp", AuthenticationFactor.Totp, "Authenticator app"],
    ["email", AuthenticationFactor.Email, "Code by e-mail"],
    ["phone", AuthenticationFactor.Phone, "Code by SMS"],
    ["recoveryCode", AuthenticationFactor.Recoverycode, "Recovery code"],
  ];
  byId("mfa-challenge-factor").replaceChildren(
    ...order.filter(([key]) => factors[key]).map(([, factor, label]) => el("option", label, { value: factor })),
  );
}

export function setUpMfaChallenge() {
  onState(async (state) => {
    byId("mfa-challenge").hidden = state.kind !== "mfa";
    if (state.kind === "mfa") await fillFactors();
  });

  onSubmit("mfa-challenge-create-form", async (form) => {
    const factor = byId<HTMLSelectElement>("mfa-challenge-factor").value as AuthenticationFactor;
    const since = Date.now();
    challengeId = (await account.createMfaChallenge(factor)).$id;
    if (factor === AuthenticationFactor.Email || factor === AuthenticationFactor.Phone) void showOutbox(form, { kind: "mfa-otp" }, since);
    return factor === AuthenticationFactor.Recoverycode ? "Type one of your recovery codes." : "Type the code.";
  });

  onSubmit("mfa-challenge-form", async () => {
    if (!challengeId) throw new Error("Send a challenge first.");
    await account.updateMfaChallenge(challengeId, value("mfa-challenge-code"));
    challengeId = "";
    await refresh();
    return "Second factor accepted.";
  });
}
