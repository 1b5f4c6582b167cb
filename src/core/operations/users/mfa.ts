import { AppwriteError } from "../../../errors";
import { toMfaFactors } from "../../../models/mfa";
import { uid, whiteList } from "../../../validation/validators";
import { audit } from "../../audit";
import { noContent, ok, operation, type Env } from "../../operation";
import { issueRecoveryCodes, shownRecoveryCodes } from "../../recovery-codes";
import { loadUser } from "./common";

const MFA = "/users/:userId/mfa";

export const listMfaFactors = operation({
  method: "GET",
  path: `${MFA}/factors`,
  model: "mfaFactors",
  scope: "users.read",
  params: { userId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const { mfa } = env.deps.store;
    const totp = (await mfa.getAuthenticator(user.id, "totp"))?.verified === true;
    const factors = { totp, email: Boolean(user.email && user.emailVerification), phone: Boolean(user.phone && user.phoneVerification) };
    // `recoveryCode` as the Account API reports it (true when codes exist), not Appwrite's constant false.
    return ok(toMfaFactors(factors, (await mfa.countRecoveryCodes(user.id)) > 0));
  },
});

export const deleteMfaAuthenticator = operation({
  method: "DELETE",
  path: `${MFA}/authenticators/:type`,
  scope: "users.write",
  params: { userId: uid, type: whiteList(["totp"]) },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const authenticator = await env.deps.store.mfa.getAuthenticator(user.id, "totp");
    if (!authenticator || !(await env.deps.store.mfa.deleteAuthenticator(authenticator.id))) {
      throw new AppwriteError("user_authenticator_not_found");
    }
    // `mfa` and the recovery codes stay, as in Appwrite.
    await audit(env, "user.update", user, `user/${user.id}`);
    return noContent();
  },
});

export const getMfaRecoveryCodes = operation({
  method: "GET",
  path: `${MFA}/recovery-codes`,
  scope: "users.read",
  params: { userId: uid },
  run: async (env, input) => shownRecoveryCodes(env, (await loadUser(env, input.userId)).id),
});

/** An administrator's new codes go in the user's log, with the key as actor. */
async function issueFor(env: Env, userId: string, route: "create" | "update") {
  const user = await loadUser(env, userId);
  const answer = await issueRecoveryCodes(env, user, route);
  await audit(env, "user.update", user, `user/${user.id}`);
  return answer;
}

/** The Users API's "create" is PATCH (and "update" is PUT), the other way round from the Account API. */
export const createMfaRecoveryCodes = operation({
  method: "PATCH",
  path: `${MFA}/recovery-codes`,
  scope: "users.write",
  params: { userId: uid },
  run: (env, input) => issueFor(env, input.userId, "create"),
});

export const updateMfaRecoveryCodes = operation({
  method: "PUT",
  path: `${MFA}/recovery-codes`,
  scope: "users.write",
  params: { userId: uid },
  run: (env, input) => issueFor(env, input.userId, "update"),
});
