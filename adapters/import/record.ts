/**
 * The neutral shape every source format is mapped to (adapters/import/readers/*.ts), and what
 * adapters/import/create.ts turns into Users API calls. Values are as the source had them: the
 * service validates them as it validates a request (an invalid e-mail skips the row).
 */

/** A password hash and the parameters its Users API create route takes. */
export type ImportedPassword =
  | { kind: "argon2"; hash: string }
  | { kind: "bcrypt"; hash: string }
  | { kind: "md5"; hash: string }
  | { kind: "sha"; hash: string; version?: string }
  | { kind: "phpass"; hash: string }
  | { kind: "scrypt"; hash: string; salt: string; cpu: number; memory: number; parallel: number; length: number }
  | { kind: "scryptModified"; hash: string; salt: string; saltSeparator: string; signerKey: string };

export interface ImportRecord {
  /** The id in the source system; kept as the user's id when the service accepts it (adapters/import/create.ts). */
  sourceId: string;
  email: string | null;
  /** E.164, e.g. +15555550100. */
  phone: string | null;
  name: string;
  /** null: a user without a password (they sign in by recovery, OTP or OAuth2). */
  password: ImportedPassword | null;
  emailVerification: boolean;
  phoneVerification: boolean;
  /** false: blocked. */
  status: boolean;
  labels: string[];
  prefs: Record<string, unknown> | null;
}

/** A row the import leaves out, and why (it goes to the report). */
export interface Skip {
  skip: string;
  sourceId?: string;
}

export type Mapped = ImportRecord | Skip;

export const isSkip = (value: Mapped): value is Skip => "skip" in value;

/** The defaults of a record; readers fill in what their format has. */
export function baseRecord(sourceId: string): ImportRecord {
  return {
    sourceId,
    email: null,
    phone: null,
    name: "",
    password: null,
    emailVerification: false,
    phoneVerification: false,
    status: true,
    labels: [],
    prefs: null,
  };
}
