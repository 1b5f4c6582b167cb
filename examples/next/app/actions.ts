"use server";

import { redirect } from "next/navigation";
import { AppwriteError } from "gatehouse-auth";
import { session } from "@/lib/user";

export interface FormState {
  error?: string;
  /** Shown again after an error: React empties a form once its action has run. */
  email?: string;
}

/** The login form: "Log in", or "Create account" (which signs up, then logs in). */
export async function enter(_state: FormState, form: FormData): Promise<FormState> {
  const field = (name: string) => String(form.get(name) ?? "");
  const credentials = { email: field("email"), password: field("password") };
  try {
    const current = await session();
    if (form.get("intent") === "sign-up") await current.run("create", { userId: "unique()", name: field("name"), ...credentials });
    await current.run("createEmailPasswordSession", credentials);
  } catch (error) {
    // Gatehouse's messages are written for users; anything else is a bug and goes to Next's error page.
    if (error instanceof AppwriteError) return { error: error.message, email: credentials.email };
    throw error;
  }
  redirect("/");
}

export async function logOut(): Promise<void> {
  // A session that already ended elsewhere is no reason to stay on the page.
  await (await session()).run("deleteSession", { sessionId: "current" }).catch(() => null);
  redirect("/login");
}
