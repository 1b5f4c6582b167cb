/**
 * Who is signed in: `refresh()` asks the API (account.get) after every flow and tells the panels.
 * Three states, shown on #whoami as data-state: signed-in, signed-out, and mfa (a session that
 * still needs its second factor: Appwrite answers 401 user_more_factors_required).
 */
import { AppwriteException, type Models } from "appwrite";
import { account } from "./sdk";
import { byId, describeError } from "./ui";

export type User = Models.User<Models.Preferences>;
type State = { kind: "signed-in"; user: User } | { kind: "signed-out" } | { kind: "mfa" };

const listeners: Array<(state: State) => void | Promise<void>> = [];

/** Called with the state after each refresh (the account, security and MFA-challenge panels). */
export function onState(listener: (state: State) => void | Promise<void>) {
  listeners.push(listener);
}

async function current(): Promise<State> {
  try {
    return { kind: "signed-in", user: await account.get() };
  } catch (error) {
    if (error instanceof AppwriteException && error.type === "user_more_factors_required") return { kind: "mfa" };
    if (error instanceof AppwriteException && error.code === 401) return { kind: "signed-out" };
    throw error;
  }
}

function describe(state: State): string {
  if (state.kind === "signed-out") return "Not signed in.";
  if (state.kind === "mfa") return "Signed in with a first factor: a second one is required.";
  const { user } = state;
  const who = user.email || user.phone || "a guest (anonymous account)";
  return `Signed in as ${user.name ? `${user.name} <${who}>` : who} (user ${user.$id}).`;
}

export async function refresh(): Promise<void> {
  const whoami = byId("whoami");
  let state: State;
  try {
    state = await current();
  } catch (error) {
    whoami.dataset.state = "error";
    byId("whoami-text").textContent = describeError(error);
    return;
  }
  whoami.dataset.state = state.kind;
  byId("whoami-text").textContent = describe(state);
  byId("logout").hidden = state.kind === "signed-out";
  byId("logout-all").hidden = state.kind !== "signed-in";
  await Promise.all(listeners.map((listener) => listener(state)));
}
