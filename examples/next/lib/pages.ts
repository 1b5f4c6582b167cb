import { AppwriteError } from "gatehouse-auth";
import type { serverAccount } from "gatehouse-auth/next";

/**
 * What the pages do with one request's account calls, apart from Next's cookies and redirects
 * (lib/user.ts and app/actions.ts add those), so tests/ can run it on the testing kit's service.
 */
export type AccountCalls = ReturnType<typeof serverAccount>;

export interface FormState {
  error?: string;
  /** Shown again after an error: React empties a form once its action has run. */
  email?: string;
}

/** The signed-in user, or null when the cookie holds no live session. */
export async function signedInUser(current: AccountCalls) {
  if (!current.hasSession) return null;
  try {
    return await current.run("get");
  } catch (error) {
    if (error instanceof AppwriteError && error.code === 401) return null;
    throw error;
  }
}

/** The login form: "Log in", or "Create account" (which signs up, then logs in). Null once logged in. */
export async function submitLogin(current: AccountCalls, form: FormData): Promise<FormState | null> {
  const field = (name: string) => String(form.get(name) ?? "");
  const credentials = { email: field("email"), password: field("password") };
  // The name is optional on the form; an empty one is not a name, and Gatehouse refuses it.
  const name = field("name") ? { name: field("name") } : {};
  try {
    if (form.get("intent") === "sign-up") await current.run("create", { userId: "unique()", ...name, ...credentials });
    await current.run("createEmailPasswordSession", credentials);
    return null;
  } catch (error) {
    // Gatehouse's messages are written for users; anything else is a bug and goes to Next's error page.
    if (error instanceof AppwriteError) return { error: error.message, email: credentials.email };
    throw error;
  }
}

/** Ends the session. One that already ended elsewhere is no reason to stay on the page. */
export async function endSession(current: AccountCalls): Promise<void> {
  await current.run("deleteSession", { sessionId: "current" }).catch(() => null);
}
