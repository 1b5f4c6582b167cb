import { userBlocked } from "./behaviour";
import { AppwriteError } from "../errors";
import { parseTimestamp } from "./timestamp";
import { StoreUnavailableError } from "../ports/store";
import { parseParams, type ParamShape } from "../validation/validators";
import { authenticate } from "./authenticate";
import type { Caller, Outcome, RequestContext } from "./context";
import type { Deps } from "./deps";
import { hasExtraFactor } from "./factors";
import { redirectHosts } from "./urls";
import type { AuthMethod, Env, OperationSpec, RateLimitRule } from "./operation";
import { keyParam, rateLimitKey } from "./rate-limit-key";
import { keysFor, type RateLimitKey } from "./rate-limits";
const FRESH_CHALLENGE_MS = 1800 * 1000;

const METHOD_DISABLED: Record<AuthMethod, string> = {
  emailPassword: "Email / Password authentication is disabled for this project",
  magicUrl: "Magic URL authentication is disabled for this project",
  emailOtp: "Email OTP authentication is disabled for this project",
  anonymous: "Anonymous authentication is disabled for this project",
  phone: "Phone authentication is disabled for this project",
  jwt: "JWT authentication is disabled for this project",
  invites: "Invites authentication is disabled for this project",
};

/**
 * Runs one operation through Appwrite's request pipeline, from user resolution on:
 * scope, blocked, MFA gate, rate limit, auth method, already-logged-in, fresh challenge,
 * parameters, handler, session limit. The first failure wins, so the order is the contract.
 */
export async function execute<S extends ParamShape, R>(
  deps: Deps,
  op: OperationSpec<S, R>,
  ctx: RequestContext,
  raw: Record<string, unknown>,
): Promise<Outcome<R>> {
  let headers: Record<string, string> = {};
  let counted: Counted[] = [];
  // Flags are read only from the operation's own declaration: a polluted Object.prototype (`skipsMfaGate`,
  // `guestOnly`, …) must not switch a check off.
  const skipsMfaGate = ownFlag(op, "skipsMfaGate");
  const rateLimit = ownFlag(op, "rateLimit");
  const authMethod = ownFlag(op, "authMethod");
  const guestOnly = ownFlag(op, "guestOnly");
  const needsRecentChallenge = ownFlag(op, "needsRecentChallenge");
  const checksTimestamp = ownFlag(op, "checksTimestamp");
  try {
    const now = new Date(deps.clock.now());
    const caller = await authenticate(deps, ctx, now);

    const scopes: readonly string[] = typeof op.scope === "string" ? [op.scope] : op.scope;
    if (!scopes.some((scope) => caller.scopes.has(scope))) {
      const who = caller.user?.email || "User";
      throw new AppwriteError("general_unauthorized_scope", `${who} (role: ${caller.role}) missing scope (${scopes[0]})`);
    }
    // Signed-in operations are typed with a non-null user (SignedInEnv); this keeps that true
    // whatever scopes a caller is given.
    if (op.scope === "account" && !caller.user) throw new Error("an account operation was reached without a user");
    if (caller.user && !caller.user.status) throw userBlocked(ctx);
    if (!skipsMfaGate && (await needsMoreFactors(deps, caller))) throw new AppwriteError("user_more_factors_required");

    if (rateLimit && deps.limiter) {
      ({ headers, counted } = await applyRateLimit(deps, rateLimit, op, ctx, caller, raw, now));
    }
    if (authMethod && caller.role !== "applications" && !deps.config.auth.methods[authMethod]) {
      throw new AppwriteError("user_auth_method_unsupported", METHOD_DISABLED[authMethod]);
    }
    if (guestOnly && caller.user) throw new AppwriteError("user_session_already_exists");
    if (needsRecentChallenge) {
      const at = caller.session?.mfaUpdatedAt;
      if (!at || now.getTime() - at.getTime() > FRESH_CHALLENGE_MS) throw new AppwriteError("user_challenge_required");
    }

    const input = parseParams(op.params, raw, {
      dictionary: deps.config.auth.passwordDictionary ? deps.passwordDictionary() : null,
      allowedHosts: redirectHosts(deps.config),
    });
    if (checksTimestamp && ctx.timestamp) checkTimestamp(ctx.timestamp, caller);
    const env: Env = { deps, ctx, caller, now, raw };
    const outcome = await op.run(env, input);
    if (outcome.status === 201) await resetCounters(deps, counted, now);
    outcome.headers = { ...headers, ...outcome.headers };
    return outcome;
  } catch (error) {
    const appwriteError = toAppwriteError(error);
    appwriteError.headers = { ...headers, ...appwriteError.headers };
    throw appwriteError;
  }
}

type Flag = "skipsMfaGate" | "rateLimit" | "authMethod" | "guestOnly" | "needsRecentChallenge" | "checksTimestamp";

/** An operation flag only if the operation itself declares it, never one inherited from a prototype. */
function ownFlag<S extends ParamShape, R, K extends Flag>(op: OperationSpec<S, R>, name: K): OperationSpec<S, R>[K] | undefined {
  return Object.hasOwn(op, name) ? op[name] : undefined;
}

/** Anything that is not already an Appwrite error is an internal fault: no details leave. */
export function toAppwriteError(error: unknown): AppwriteError {
  if (error instanceof AppwriteError) return error;
  if (error instanceof StoreUnavailableError) {
    return new AppwriteError("general_server_error", "The database is unavailable. Please try again later.", { cause: error, status: 503 });
  }
  return new AppwriteError("general_unknown", undefined, { cause: error });
}

function checkTimestamp(header: string, caller: Caller): void {
  const at = parseTimestamp(header);
  if (caller.user && caller.user.updatedAt.getTime() > at) throw new AppwriteError("document_update_conflict");
}

/** The MFA gate: a session with one factor, of a user with MFA on and a second factor available. */
async function needsMoreFactors(deps: Deps, caller: Caller): Promise<boolean> {
  const { user, session } = caller;
  if (!user || !session || !user.mfa || session.factors.length >= 2) return false;
  return hasExtraFactor(deps, caller);
}

/** A counter this request was counted against, filled in. */
interface Counted {
  key: string;
  spec: RateLimitKey;
}

/**
 * A 201 resets the counters the route marks (src/core/rate-limits.ts). The answer stands whatever
 * the limiter says: a reset that fails leaves the counts as they were and is only reported.
 */
async function resetCounters(deps: Deps, counted: Counted[], now: Date): Promise<void> {
  const limiter = deps.limiter;
  if (!limiter?.reset) return;
  for (const { key, spec } of counted) {
    if (!spec.resetOnSuccess) continue;
    try {
      await limiter.reset(key, spec.windowSeconds, now.getTime());
    } catch (error) {
      deps.reportError(error);
    }
  }
}

async function applyRateLimit<S extends ParamShape, R>(
  deps: Deps,
  rule: RateLimitRule,
  op: OperationSpec<S, R>,
  ctx: RequestContext,
  caller: Caller,
  raw: Record<string, unknown>,
  now: Date,
): Promise<{ headers: Record<string, string>; counted: Counted[] }> {
  const limiter = deps.limiter!;
  const counted: Counted[] = [];
  let tightest: { limit: number; remaining: number; reset: number } | null = null;
  let denied = false;
  // Keys are checked one after another, as Appwrite does: an earlier key may count a request
  // that a later key then refuses (which is why src/core/rate-limits.ts puts ceilings last).
  // API keys are exempt: they see the headers but are neither counted nor refused.
  const exempt = caller.role === "applications";
  const values = { url: op.path, ip: ctx.ip ?? "", userId: caller.user?.id ?? "" };
  // Each parameter is validated once, however many keys use it (a huge value costs once).
  const params = new Map<string, string | null>();
  const param = (name: string) => {
    if (!params.has(name)) params.set(name, keyParam(raw, op.params, name));
    return params.get(name) ?? null;
  };
  for (const spec of keysFor(rule, ctx)) {
    const { limit, windowSeconds } = spec;
    const key = rateLimitKey(spec.key, values, param);
    const result = exempt
      ? { ...(await limiter.peek(key, limit, windowSeconds, now.getTime())), allowed: true }
      : await limiter.hit(key, limit, windowSeconds, now.getTime());
    if (!exempt) counted.push({ key, spec });
    if (!tightest || result.remaining < tightest.remaining) tightest = result;
    if (!result.allowed) {
      denied = true;
      break;
    }
  }
  const headers: Record<string, string> = tightest
    ? {
        "X-RateLimit-Limit": String(tightest.limit),
        "X-RateLimit-Remaining": String(tightest.remaining),
        "X-RateLimit-Reset": String(tightest.reset),
      }
    : {};
  if (denied) {
    const error = new AppwriteError("general_rate_limit_exceeded");
    error.headers = headers;
    throw error;
  }
  return { headers, counted };
}
