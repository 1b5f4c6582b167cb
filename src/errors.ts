/**
 * Every error Gatehouse raises is one `AppwriteError`, identified by an Appwrite `type` string.
 * The catalogue keeps Appwrite's HTTP codes and default messages in one place, so the HTTP layer
 * only has to serialise `{message, code, type, version}`.
 */

export const errorCatalogue = {
  general_argument_invalid: [400, "The request contains one or more invalid arguments. Please refer to the endpoint documentation."],
  general_bad_request: [400, "There was an error processing your request. Please check the inputs and try again."],
  general_query_invalid: [400, "The query's syntax is invalid. Please check the query and try again."],
  general_cursor_not_found: [400, "The cursor is invalid. This can happen if the item represented by the cursor has been deleted."],
  database_query_order_null: [
    400,
    "The order attribute had a null value. Cursor pagination requires all documents order attribute values are non-null.",
  ],
  document_invalid_structure: [400, "The document structure is invalid. Please ensure the attributes match the collection definition."],
  general_unauthorized_scope: [401, "The current user or API key does not have the required scopes to access the requested resource."],
  general_unknown_origin: [
    403,
    "The request originated from an unknown origin. If you trust this domain, add its hostname to `platforms` in the Gatehouse config.",
  ],
  general_service_disabled: [403, "The requested service is disabled. It is switched off in the Gatehouse config."],
  general_api_disabled: [403, "The requested API is disabled. It is switched off in the Gatehouse config."],
  general_route_not_found: [404, "The requested route was not found. Please refer to the API docs and try again."],
  general_rate_limit_exceeded: [429, "Rate limit for the current endpoint has been exceeded. Please try again after some time."],
  general_smtp_disabled: [503, "SMTP disabled"],
  general_phone_disabled: [503, "Phone provider not configured"],
  general_server_error: [500, "An internal server error occurred."],
  general_unknown: [500, "An unknown error has occurred. Please check the logs for more information."],
  general_protocol_unsupported: [426, "Method unsupported over HTTP. Please use HTTPS instead."],
  project_not_found: [
    404,
    "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used.",
  ],
  project_key_expired: [401, "The API key has expired. Replace it in `apiKeys` in the Gatehouse config."],
  project_provider_disabled: [412, "The chosen OAuth provider is disabled. Enable it under `oauth2` in the Gatehouse config."],
  project_provider_unsupported: [
    400,
    "The chosen OAuth provider is unsupported. Please check the Create OAuth2 Session docs for the complete list of supported OAuth providers.",
  ],
  project_invalid_success_url: [400, "Invalid redirect URL for OAuth success."],
  project_invalid_failure_url: [400, "Invalid redirect URL for OAuth failure."],
  user_count_exceeded: [
    400,
    "The current project has exceeded the maximum number of users. Please check `auth.userLimit` in the Gatehouse config.",
  ],
  user_jwt_invalid: [
    401,
    "The JWT token is invalid. Please check the value of the X-Appwrite-JWT header to ensure the correct token is being used.",
  ],
  user_already_exists: [409, "A user with the same id, email, or phone already exists in this project."],
  user_blocked: [
    401,
    "The current user has been blocked. You can unblock the user by making a request to the User API's \"Update User Status\" endpoint or in the Appwrite Console's Auth section.",
  ],
  user_invalid_token: [401, "Invalid token passed in the request."],
  user_password_reset_required: [412, "The current user requires a password reset."],
  user_invalid_credentials: [401, "Invalid credentials. Please check the email and password."],
  user_anonymous_console_prohibited: [401, "Failed to create anonymous user"],
  user_session_already_exists: [401, "Creation of a session is prohibited when a session is active."],
  user_not_found: [404, "User with the requested ID could not be found."],
  password_recently_used: [
    400,
    "The password you are trying to use is similar to your previous password. For your security, please choose a different password and try again.",
  ],
  password_personal_data: [
    400,
    "The password you are trying to use contains references to your name, email, phone or userID. For your security, please choose a different password and try again.",
  ],
  user_email_already_exists: [409, "A user with the same email already exists in the current project."],
  user_session_not_found: [404, "The current user session could not be found."],
  user_identity_not_found: [404, "The identity could not be found. Please sign in with OAuth provider to create identity first."],
  user_unauthorized: [401, "The current user is not authorized to perform the requested action."],
  user_auth_method_unsupported: [
    501,
    "The requested authentication method is either disabled or unsupported. Please check `auth.methods` in the Gatehouse config.",
  ],
  user_phone_already_exists: [409, "A user with the same phone number already exists in the current project."],
  user_phone_not_found: [400, "The current user does not have a phone number associated with their account."],
  // These three have no entry in Appwrite's table (500 there); Gatehouse answers 400.
  user_phone_not_verified: [400, "User phone is not verified"],
  user_email_not_found: [400, "User email could not be found."],
  user_email_not_verified: [400, "User email is not verified"],
  user_missing_id: [400, "Missing ID from OAuth2 provider."],
  user_more_factors_required: [401, "More factors are required to complete the sign in process."],
  user_challenge_required: [
    401,
    "A recently successful challenge is required to complete this action. A challenge is considered recent for 5 minutes.",
  ],
  user_authenticator_not_found: [404, "Authenticator could not be found on the current user."],
  user_authenticator_already_verified: [409, "This authenticator is already verified on the current user."],
  user_recovery_codes_already_exists: [
    409,
    "The current user already generated recovery codes and they can only be read once for security reasons.",
  ],
  user_recovery_codes_not_found: [404, "Recovery codes could not be found on the current user."],
  user_oauth2_bad_request: [400, "OAuth2 provider rejected the bad request."],
  user_oauth2_unauthorized: [401, "OAuth2 provider rejected the unauthorized request."],
  user_oauth2_provider_error: [424, "OAuth2 provider returned some error."],
  // Appwrite 2.x (POST /account/sessions/id-token); no released errors.php lists it yet, and
  // Appwrite's design of the route gives it 401.
  user_oauth2_token_invalid: [401, "The ID token is invalid."],
  user_email_already_verified: [409, "User email is already verified"],
  user_phone_already_verified: [409, "User phone is already verified"],
  user_target_already_exists: [409, "A target with the same ID already exists."],
  user_target_not_found: [404, "The target could not be found."],
  provider_not_found: [404, "Provider with the requested ID could not be found."],
  provider_incorrect_type: [400, "Provider with the requested ID is of the incorrect type."],
  general_invalid_email: [400, "Value must be a valid email address."],
  general_invalid_phone: [
    400,
    "Value must be a valid phone number. Format this number with a leading '+' and a country code, e.g., +16175551212.",
  ],
  user_key_and_session_set: [
    403,
    "API key and session used in the same request. Use either `setSession` or `setKey`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering",
  ],
  user_jwt_and_cookie_set: [
    403,
    "JWT and cookie used in the same request. Use either `setJWT` or `setCookie`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering",
  ],
  user_jwt_creation_denied: [
    403,
    "A JWT cannot be created from a request authorized with a JWT. Authenticate with a session cookie or session header instead.",
  ],
  document_already_exists: [
    409,
    "Document with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
  ],
  document_update_conflict: [409, "Remote document is newer than local."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorType = keyof typeof errorCatalogue;

/**
 * Types whose code and message Appwrite changed in 1.9.0, in their new form; sent to clients whose
 * response format is 1.9.0 or later (src/core/behaviour.ts), the catalogue's form to older ones.
 */
export const CHANGED_IN_1_9 = {
  user_blocked: [403, "The current user has been blocked."],
} as const satisfies { readonly [K in ErrorType]?: readonly [number, string] };

/** HTTP statuses Appwrite lets through unchanged; any other becomes 500 "Server Error". */
const PASS_THROUGH = new Set([400, 401, 402, 403, 404, 408, 409, 412, 416, 429, 451, 501, 503]);

/**
 * Marks AppwriteErrors across copies of this package in one process: a bundler may include it once
 * per bundle (Next.js does so per layer: route handlers, Server Components), and a process may load
 * both the ESM and the CommonJS build. An error thrown by one copy's service must still be an
 * AppwriteError to another copy's HTTP handler, or it would answer 500 instead of its code.
 */
const BRAND = Symbol.for("gatehouse-auth.AppwriteError");

export class AppwriteError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AppwriteError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = "AppwriteError";
  readonly type: ErrorType;
  /** The code Appwrite declares for the type (424 for provider errors, for instance). */
  readonly declaredCode: number;
  /** Extra response headers, e.g. rate-limit headers that must accompany the error. */
  headers?: Record<string, string>;

  /**
   * `status` overrides the catalogue's code: a store that is unreachable answers 503 (retry later)
   * with the `general_server_error` shape, not 500; and `CHANGED_IN_1_9` codes for newer clients.
   */
  constructor(type: ErrorType, message?: string, options?: { cause?: unknown; status?: number }) {
    const [code, defaultMessage] = errorCatalogue[type];
    super(message ?? defaultMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.declaredCode = options?.status ?? code;
  }

  /** The status that goes on the wire. */
  get code(): number {
    return PASS_THROUGH.has(this.declaredCode) ? this.declaredCode : 500;
  }

  /** The message that goes on the wire: non-pass-through codes hide theirs, as Appwrite does. */
  get publicMessage(): string {
    return PASS_THROUGH.has(this.declaredCode) ? this.message : "Server Error";
  }

  toJSON(version: string): { message: string; code: number; type: string; version: string } {
    return { message: this.publicMessage, code: this.code, type: this.type, version };
  }
}

Object.defineProperty(AppwriteError.prototype, BRAND, { value: true });

export function isAppwriteError(value: unknown): value is AppwriteError {
  return value instanceof AppwriteError;
}

/** Shorthand for the validator errors: ``Invalid `<name>` param: <description>``. */
export function invalidParam(name: string, description: string): AppwriteError {
  return new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: ${description}`);
}

export function missingParam(name: string): AppwriteError {
  return new AppwriteError("general_argument_invalid", `Param "${name}" is not optional.`);
}
