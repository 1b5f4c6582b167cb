/** The official web SDK, set up once, as an app would: every flow imports `account` from here. */
import { Account, Client } from "appwrite";
import { config } from "./config";

export const client = new Client().setEndpoint(config.endpoint).setProject(config.projectId);
export const account = new Account(client);

/** A second client that authenticates with a JWT only, as a backend given the JWT would. */
export function accountWithJwt(jwt: string): Account {
  return new Account(new Client().setEndpoint(config.endpoint).setProject(config.projectId).setJWT(jwt));
}
