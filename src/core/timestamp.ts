import { AppwriteError } from "../errors";

/** The `X-Appwrite-Timestamp` instant (test/http/timestamp.test.ts), or 400 when it is not a date. */
export function parseTimestamp(header: string): number {
  const at = Date.parse(header);
  if (Number.isNaN(at)) throw new AppwriteError("general_argument_invalid", "Invalid X-Appwrite-Timestamp header value");
  return at;
}
