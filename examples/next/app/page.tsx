import { redirect } from "next/navigation";
import { currentUser } from "@/lib/user";
import { logOut } from "./actions";

// A protected page, rendered on the server: no session, no page.
export default async function Home() {
  const user = await currentUser();
  if (!user) redirect("/login");
  return (
    <main>
      <h1>
        Hello, <span id="name">{user.name || user.email}</span>
      </h1>
      <p>
        Signed in as <span id="email">{user.email}</span>.
      </p>
      <form action={logOut}>
        <button type="submit">Log out</button>
      </form>
    </main>
  );
}
