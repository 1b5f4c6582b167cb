import { uniqueId } from "../crypto/ids";
import type { ClientInfo, UserRecord } from "../ports/store";
import type { Env } from "./operation";
import { clientInfo } from "../client-info/client-info";

/**
 * Writes one security-log entry (what `GET /account/logs` lists) for `user`, with a snapshot of
 * their e-mail and name.
 */
export async function audit(env: Env, event: string, user: UserRecord, resource: string, info?: ClientInfo): Promise<void> {
  const client = info ?? (await clientInfo(env.deps.geo, env.ctx));
  await env.deps.store.logs.append({
    ...client,
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    event,
    resource,
    userEmail: user.email ?? "",
    userName: user.name,
    mode: "default",
    ip: env.ctx.ip ?? "",
    time: env.now,
    userAgent: env.ctx.userAgent ?? "UNKNOWN",
  });
}
