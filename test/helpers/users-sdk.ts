import * as node16 from "node-appwrite";
import * as node27 from "node-appwrite-latest";
import { PROJECT } from "./server";

/*
 * node-appwrite's `Users` in both generations the Users API serves: 16 (positional arguments,
 * `…Mfa…` names, response format 1.6.0) and 27 (one object argument, `…MFA…` names, 1.9.5).
 * A test names a call once, with its parameters by name; `call` sends it the way that SDK does.
 */

export type SdkName = "node-appwrite 16" | "node-appwrite 27";
export const SDKS: readonly SdkName[] = ["node-appwrite 16", "node-appwrite 27"];

/** Each method's positional parameter order (node-appwrite 16's signatures). */
const ORDER: Record<string, readonly string[]> = {
  list: ["queries", "search"],
  create: ["userId", "email", "phone", "password", "name"],
  get: ["userId"],
  delete: ["userId"],
  updateName: ["userId", "name"],
  updateEmail: ["userId", "email"],
  updatePhone: ["userId", "number"],
  updatePassword: ["userId", "password"],
  updateStatus: ["userId", "status"],
  updateLabels: ["userId", "labels"],
  getPrefs: ["userId"],
  updatePrefs: ["userId", "prefs"],
  updateEmailVerification: ["userId", "emailVerification"],
  updatePhoneVerification: ["userId", "phoneVerification"],
  updateMfa: ["userId", "mfa"],
  listSessions: ["userId"],
  createSession: ["userId"],
  deleteSessions: ["userId"],
  deleteSession: ["userId", "sessionId"],
  createToken: ["userId", "length", "expire"],
  createJWT: ["userId", "sessionId", "duration"],
  listLogs: ["userId", "queries"],
  listIdentities: ["queries", "search"],
  deleteIdentity: ["identityId"],
  listMfaFactors: ["userId"],
  deleteMfaAuthenticator: ["userId", "type"],
  getMfaRecoveryCodes: ["userId"],
  createMfaRecoveryCodes: ["userId"],
  updateMfaRecoveryCodes: ["userId"],
  listTargets: ["userId", "queries"],
  createTarget: ["userId", "targetId", "providerType", "identifier", "providerId", "name"],
  getTarget: ["userId", "targetId"],
  updateTarget: ["userId", "targetId", "identifier", "providerId", "name"],
  deleteTarget: ["userId", "targetId"],
};

/** 27's preferred names for the MFA methods (16's still exist there, deprecated). */
const LATEST_NAME: Record<string, string> = {
  updateMfa: "updateMFA",
  listMfaFactors: "listMFAFactors",
  deleteMfaAuthenticator: "deleteMFAAuthenticator",
  getMfaRecoveryCodes: "getMFARecoveryCodes",
  createMfaRecoveryCodes: "createMFARecoveryCodes",
  updateMfaRecoveryCodes: "updateMFARecoveryCodes",
};

type Call = (method: string, params?: Record<string, unknown>) => Promise<any>;

export interface UsersSdk {
  sdk: SdkName;
  /** Calls `Users.<method>` with the parameters named; 27 gets one object, 16 positional values. */
  call: Call;
  /** The SDK's `Query` builder. */
  Query: typeof node16.Query;
  /** A client of this SDK acting for a user through `setSession(secret)`. */
  account(secret: { session?: string; jwt?: string }): node16.Account;
  /** A client of this SDK without credentials. */
  guest(): node16.Account;
}

export function usersSdk(
  sdk: SdkName,
  endpoint: string,
  key: string,
  extra: { session?: string } = {},
  /** Parameter orders of further methods (the hash imports). */
  more: Record<string, readonly string[]> = {},
): UsersSdk {
  const lib = (sdk === "node-appwrite 16" ? node16 : node27) as typeof node16;
  const client = new lib.Client().setEndpoint(endpoint).setProject(PROJECT).setKey(key);
  if (extra.session) client.setSession(extra.session);
  const users = new lib.Users(client) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const call: Call = (method, params = {}) => {
    const order = more[method] ?? ORDER[method];
    if (!order) throw new Error(`no parameter order for Users.${method}`);
    if (sdk === "node-appwrite 27") {
      const name = LATEST_NAME[method] ?? method;
      return Object.keys(params).length === 0 && order.length === 0 ? users[name]!.call(users) : users[name]!.call(users, params);
    }
    return users[method]!.call(users, ...order.map((name) => params[name]));
  };
  return {
    sdk,
    call,
    Query: lib.Query,
    account({ session, jwt }) {
      const c = new lib.Client().setEndpoint(endpoint).setProject(PROJECT);
      if (session) c.setSession(session);
      if (jwt) c.setJWT(jwt);
      return new lib.Account(c);
    },
    guest() {
      return new lib.Account(new lib.Client().setEndpoint(endpoint).setProject(PROJECT));
    },
  };
}
