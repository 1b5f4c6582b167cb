import { AppwriteError } from "../../errors";
import { signSessionJwt } from "../../crypto/jwt";
import { ok, operation } from "../operation";
import { RATE_LIMITS } from "../rate-limits";
import { lifetimeMs } from "../token-kinds";

export const createJWT = operation({
  method: "POST",
  path: "/account/jwts",
  aliases: ["POST /account/jwt"],
  scope: "account",
  authMethod: "jwt",
  rateLimit: RATE_LIMITS.createJWT,
  params: {},
  async run(env) {
    const user = env.caller.user;
    // A JWT is minted from a session; one authenticated by a JWT has none to name.
    const session = env.caller.session;
    if (!session) throw new AppwriteError("user_session_not_found");
    const exp = Math.floor((env.now.getTime() + lifetimeMs(env.deps.config, "jwt")) / 1000);
    return ok({ jwt: signSessionJwt({ userId: user.id, sessionId: session.id, exp }, env.deps.jwtKey) }, 201);
  },
});
