import { AppwriteError } from "../../errors";
import { signSessionJwt } from "../../crypto/jwt";
import { ok, operation } from "../operation";
import { RATE_LIMITS } from "../rate-limits";
import { lifetimeMs } from "../token-kinds";
import { optional, range } from "../../validation/validators";
import { behavesAsOf } from "../behaviour";

export const createJWT = operation({
  method: "POST",
  path: "/account/jwts",
  aliases: ["POST /account/jwt"],
  scope: "account",
  authMethod: "jwt",
  rateLimit: RATE_LIMITS.createJWT,
  // Appwrite 1.9's `duration` in seconds; without it, the configured JWT lifetime (900 s by
  // default). 0 makes a token that has already expired, as in Appwrite.
  params: { duration: optional(range(0, 3600)) },
  async run(env, input) {
    const user = env.caller.user;
    // A JWT is minted from a session; one authenticated by a JWT has none to name.
    if (env.caller.jwtSessionId && behavesAsOf(env.ctx, "jwtCreationDenied")) throw new AppwriteError("user_jwt_creation_denied");
    const session = env.caller.session;
    if (!session) throw new AppwriteError("user_session_not_found");
    const lifetime = input.duration === undefined ? lifetimeMs(env.deps.config, "jwt") : input.duration * 1000;
    const exp = Math.floor((env.now.getTime() + lifetime) / 1000);
    return ok({ jwt: signSessionJwt({ userId: user.id, sessionId: session.id, exp }, env.deps.jwtKey) }, 201);
  },
});
