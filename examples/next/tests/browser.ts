import { serverAccount } from "gatehouse-auth/next";
import type { AccountService } from "gatehouse-auth";

/**
 * One visitor's cookies, as Next's `cookies()` store holds them for a request: the pages' logic
 * (lib/pages.ts) reads and sets the session through it, and `header()` sends the same cookies to
 * the route handler, as the browser would.
 */
export function visitor(service: AccountService) {
  const cookies = new Map<string, string>();
  const jar = {
    get: (name: string) => (cookies.has(name) ? { value: cookies.get(name)! } : undefined),
    set: (name: string, value: string) => void cookies.set(name, value),
    delete: (name: string) => void cookies.delete(name),
  };
  return {
    cookies,
    /** This request's account calls, as `session()` in lib/user.ts makes them. */
    session: () => serverAccount(service, jar),
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
  };
}

/** The login form as the browser posts it (app/login/login-form.tsx). */
export function loginForm(fields: { intent: "log-in" | "sign-up"; email: string; password: string; name?: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return form;
}
