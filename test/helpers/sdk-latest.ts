import { Account, Client } from "appwrite-latest";
import * as node from "node-appwrite-latest";
import { withStorage } from "./sdk";
import { API_KEY, PROJECT } from "./server";

/**
 * Today's SDKs (appwrite 28, node-appwrite 27) as test/helpers/sdk.ts has the 1.6 ones: a
 * simulated browser with its own fallback-cookie storage, and server clients.
 */
export interface LatestBrowser {
  client: Client;
  account: Account;
  use<T>(fn: (account: Account) => Promise<T>): Promise<T>;
}

export function latestBrowser(endpoint: string, project = PROJECT): LatestBrowser {
  const own = new Map<string, string>();
  const client = new Client().setEndpoint(endpoint).setProject(project);
  const account = new Account(client);
  return { client, account, use: (fn) => withStorage(own, () => fn(account)) };
}

/** node-appwrite 27's Account with the server API key. */
export const latestKey = (endpoint: string, key = API_KEY) =>
  new node.Account(new node.Client().setEndpoint(endpoint).setProject(PROJECT).setKey(key));

/** node-appwrite 27's Account acting for a user through `setSession(secret)`. */
export const latestSession = (endpoint: string, secret: string) =>
  new node.Account(new node.Client().setEndpoint(endpoint).setProject(PROJECT).setSession(secret));
