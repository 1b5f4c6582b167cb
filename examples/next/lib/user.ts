import { cookies, headers } from "next/headers";
import { AppwriteError } from "gatehouse-auth";
import { requestContext, serverAccount } from "gatehouse-auth/next";
import { account } from "./account";

/** The account calls of this request, with its session cookie and client IP. */
export async function session() {
  return serverAccount(await account(), await cookies(), { context: requestContext(await headers()) });
}

/** The signed-in user, or null when the cookie holds no live session. */
export async function currentUser() {
  const current = await session();
  if (!current.hasSession) return null;
  try {
    return await current.run("get");
  } catch (error) {
    if (error instanceof AppwriteError && error.code === 401) return null;
    throw error;
  }
}
