"use server";

import { redirect } from "next/navigation";
import { endSession, submitLogin, type FormState } from "@/lib/pages";
import { session } from "@/lib/user";

/** The login form's action: back to the form with Gatehouse's message, or on to the protected page. */
export async function enter(_state: FormState, form: FormData): Promise<FormState> {
  const failed = await submitLogin(await session(), form);
  if (failed) return failed;
  redirect("/");
}

export async function logOut(): Promise<void> {
  await endSession(await session());
  redirect("/login");
}
