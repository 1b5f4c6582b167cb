"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/pages";
import { enter } from "../actions";

export function LoginForm() {
  const [state, action, pending] = useActionState(enter, {} satisfies FormState);
  return (
    <form action={action}>
      <p>
        <label>
          E-mail <input name="email" type="email" autoComplete="email" defaultValue={state.email} required />
        </label>
      </p>
      <p>
        <label>
          Password <input name="password" type="password" autoComplete="current-password" minLength={8} required />
        </label>
      </p>
      <p>
        <label>
          Name, to create an account <input name="name" autoComplete="name" />
        </label>
      </p>
      {state.error && (
        <p id="error" role="alert">
          {state.error}
        </p>
      )}
      <button type="submit" name="intent" value="log-in" disabled={pending}>
        Log in
      </button>{" "}
      <button type="submit" name="intent" value="sign-up" disabled={pending}>
        Create account
      </button>
    </form>
  );
}
