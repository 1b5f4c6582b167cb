import { redirect } from "next/navigation";
import { currentUser } from "@/lib/user";
import { LoginForm } from "./login-form";

export default async function Login() {
  if (await currentUser()) redirect("/");
  return (
    <main>
      <h1>Log in</h1>
      <LoginForm />
    </main>
  );
}
