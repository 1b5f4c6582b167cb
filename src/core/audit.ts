import { uniqueId } from "../crypto/ids";
import type { ClientInfo, UserRecord } from "../ports/store";
import type { Env } from "./operation";
import { clientInfo } from "../client-info/client-info";

/**
 * Writes one security-log entry (what `GET /account/logs` and `GET /users/{id}/logs` list) for
 * `user`. The actor is the caller: the user (a snapshot of their e-mail and name), or for a
 * request made with an API key the key (its name and `app.<projectId>@service.<hostname>`, mode
 * `admin`), so an administrator's change shows in the user's own log as made by the key.
 */
export async function audit(env: Env, event: string, user: UserRecord, resource: string, info?: ClientInfo): Promise<void> {
  const client = info ?? (await clientInfo(env.deps.geo, env.ctx));
  const key = env.caller.role === "applications" ? env.caller.key : undefined;
  await env.deps.store.logs.append({
    ...client,
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    event,
    resource,
    userEmail: key ? key.email : (user.email ?? ""),
    userName: key ? key.name : user.name,
    mode: key ? "admin" : "default",
    ip: env.ctx.ip ?? "",
    time: env.now,
    userAgent: env.ctx.userAgent ?? "UNKNOWN",
  });
}
