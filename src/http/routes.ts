import type { OperationName } from "../core/service";

/**
 * The routes under `/v1`: method, path template, operation. Aliases (spec §1.1) are extra rows
 * pointing at the same operation; the rate-limit `{url}` comes from the operation's own primary
 * path, so an alias shares its counter.
 */
export const routes: ReadonlyArray<readonly [method: string, path: string, operation: OperationName]> = [
  ["GET", "/account", "get"],
  ["POST", "/account", "create"],
  ["PATCH", "/account/email", "updateEmail"],
  ["PATCH", "/account/name", "updateName"],
  ["PATCH", "/account/password", "updatePassword"],
  ["PATCH", "/account/phone", "updatePhone"],
  ["GET", "/account/prefs", "getPrefs"],
  ["PATCH", "/account/prefs", "updatePrefs"],
  ["PATCH", "/account/status", "updateStatus"],
  ["GET", "/account/sessions", "listSessions"],
  ["DELETE", "/account/sessions", "deleteSessions"],
  ["POST", "/account/sessions/email", "createEmailPasswordSession"],
  ["POST", "/account/sessions", "createEmailPasswordSession"],
  ["POST", "/account/sessions/anonymous", "createAnonymousSession"],
  ["POST", "/account/sessions/token", "createSession"],
  ["PUT", "/account/sessions/magic-url", "updateMagicURLSession"],
  ["PUT", "/account/sessions/phone", "updatePhoneSession"],
  ["POST", "/account/tokens/email", "createEmailToken"],
  ["POST", "/account/tokens/magic-url", "createMagicURLToken"],
  ["POST", "/account/sessions/magic-url", "createMagicURLToken"],
  ["POST", "/account/tokens/phone", "createPhoneToken"],
  ["POST", "/account/sessions/phone", "createPhoneToken"],
  ["POST", "/account/verification", "createVerification"],
  ["PUT", "/account/verification", "updateVerification"],
  ["POST", "/account/verification/phone", "createPhoneVerification"],
  ["PUT", "/account/verification/phone", "updatePhoneVerification"],
  // Appwrite 1.8's names for the same routes, which today's SDKs (appwrite 28, node-appwrite 27) call.
  ["POST", "/account/verifications/email", "createVerification"],
  ["PUT", "/account/verifications/email", "updateVerification"],
  ["POST", "/account/verifications/phone", "createPhoneVerification"],
  ["PUT", "/account/verifications/phone", "updatePhoneVerification"],
  ["POST", "/account/recovery", "createRecovery"],
  ["PUT", "/account/recovery", "updateRecovery"],
  ["PATCH", "/account/mfa", "updateMFA"],
  ["POST", "/account/mfa/authenticators/:type", "createMfaAuthenticator"],
  ["PUT", "/account/mfa/authenticators/:type", "updateMfaAuthenticator"],
  ["DELETE", "/account/mfa/authenticators/:type", "deleteMfaAuthenticator"],
  ["POST", "/account/mfa/challenge", "createMfaChallenge"],
  ["PUT", "/account/mfa/challenge", "updateMfaChallenge"],
  ["POST", "/account/mfa/challenges", "createMfaChallenge"],
  ["PUT", "/account/mfa/challenges", "updateMfaChallenge"],
  ["GET", "/account/mfa/factors", "listMfaFactors"],
  ["POST", "/account/mfa/recovery-codes", "createMfaRecoveryCodes"],
  ["GET", "/account/mfa/recovery-codes", "getMfaRecoveryCodes"],
  ["PATCH", "/account/mfa/recovery-codes", "updateMfaRecoveryCodes"],
  ["POST", "/account/jwts", "createJWT"],
  ["POST", "/account/jwt", "createJWT"],
  ["GET", "/account/logs", "listLogs"],
  ["GET", "/account/identities", "listIdentities"],
  ["DELETE", "/account/identities/:identityId", "deleteIdentity"],
  ["GET", "/account/tokens/oauth2/:provider", "createOAuth2Token"],
  ["GET", "/account/sessions/oauth2/:provider", "createOAuth2Session"],
  ["GET", "/account/sessions/oauth2/callback/:provider/:projectId", "oauth2Callback"],
  ["POST", "/account/sessions/oauth2/callback/:provider/:projectId", "oauth2Callback"],
  ["GET", "/account/sessions/oauth2/:provider/redirect", "oauth2Redirect"],
  ["GET", "/mock/tests/general/oauth2", "oauth2MockAuthorize"],
  ["GET", "/account/sessions/:sessionId", "getSession"],
  ["PATCH", "/account/sessions/:sessionId", "updateSession"],
  ["DELETE", "/account/sessions/:sessionId", "deleteSession"],
];

export interface RouteMatch {
  operation: OperationName;
  pathParams: Record<string, string>;
}

export interface Router {
  match(method: string, path: string): RouteMatch | null;
}

/** Static paths are one map lookup; templated ones are tried in order after that. */
export function createRouter(table = routes): Router {
  const exact = new Map<string, OperationName>();
  const templated: Array<{ method: string; pattern: RegExp; names: string[]; operation: OperationName }> = [];
  for (const [method, path, operation] of table) {
    if (!path.includes(":")) {
      exact.set(`${method} ${path}`, operation);
      continue;
    }
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    templated.push({ method, pattern: new RegExp(`^${source}$`), names, operation });
  }
  return {
    match(method, path) {
      const normalised = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
      const operation = exact.get(`${method} ${normalised}`);
      if (operation) return { operation, pathParams: {} };
      for (const route of templated) {
        if (route.method !== method) continue;
        const found = route.pattern.exec(normalised);
        if (!found) continue;
        const pathParams: Record<string, string> = {};
        route.names.forEach((name, i) => {
          pathParams[name] = safeDecode(found[i + 1] ?? "");
        });
        return { operation: route.operation, pathParams };
      }
      return null;
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
