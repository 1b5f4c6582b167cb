import { AppwriteError, type ErrorType } from "../errors";
import { StoreConflictError } from "../ports/store";

/**
 * Runs a store write and answers a uniqueness conflict (another request took the id, address or
 * identity a moment ago) with the Appwrite error `type`; any other failure passes through.
 */
export async function conflictAs<T>(type: ErrorType, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StoreConflictError) throw new AppwriteError(type);
    throw error;
  }
}
