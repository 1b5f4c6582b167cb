import { cookies, headers } from "next/headers";
import { requestContext, serverAccount } from "gatehouse-auth/next";
import { account } from "./account";
import { signedInUser } from "./pages";

/** The account calls of this request, with its session cookie and client IP. */
export async function session() {
  return serverAccount(await account(), await cookies(), { context: requestContext(await headers()) });
}

/** The signed-in user, or null when the cookie holds no live session. */
export async function currentUser() {
  return signedInUser(await session());
}
