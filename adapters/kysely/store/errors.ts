import { StoreConflictError, StoreUnavailableError } from "gatehouse-auth";
import type { Capabilities } from "./context";

/*
 * Driver errors -> port errors: a unique violation becomes `StoreConflictError` (named by what
 * collided); a lost, refused or timed-out connection, a statement the server cancelled for its
 * time limit and a database locked past the wait (SQLite) become `StoreUnavailableError` (503,
 * retry later); other errors pass unchanged.
 */

/** Every method of `repository`, wrapped so that what it throws is translated. */
export function translatingErrors<T extends object>(repository: T, caps: Capabilities): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(repository)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>).apply(repository, args);
      } catch (error) {
        throw translate(error, caps);
      }
    };
  }
  return wrapped as T;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "PROTOCOL_CONNECTION_LOST",
  "57P01", // admin_shutdown
  "57P02",
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
]);

const CONNECTION_MESSAGES =
  /Connection terminated|Cannot use a pool after calling end|connection is closed|Pool is closed|driver has already been destroyed|closed state|not queryable|The database connection is not open|Query read timeout|timeout exceeded when trying to connect|Postgres connection has been discarded/i;

function translate(error: unknown, caps: Capabilities): unknown {
  if (error instanceof StoreConflictError || error instanceof StoreUnavailableError) return error;
  const e = (error ?? {}) as { code?: string; errno?: number; message?: string; constraint?: string };
  const message = String(e.message ?? "");
  if (caps.isUniqueViolation(e)) return new StoreConflictError(conflictTarget(`${e.constraint ?? ""} ${message}`));
  if ((e.code && CONNECTION_CODES.has(e.code)) || caps.isUnavailable(e) || CONNECTION_MESSAGES.test(message)) {
    return new StoreUnavailableError(message || "database unavailable", { cause: error });
  }
  return error;
}

/** Names the collision from the index or column the driver reports. */
function conflictTarget(detail: string): StoreConflictError["target"] {
  if (/email_key/.test(detail)) return "email";
  if (/phone/.test(detail)) return "phone";
  if (/identifier/.test(detail) || (/targets/.test(detail) && !/PRIMARY|pkey|\.id\b/.test(detail))) return "target";
  if (/provider_uid|identities_provider/.test(detail)) return "identity";
  return "id";
}
