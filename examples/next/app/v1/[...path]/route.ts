import { accountRoutes } from "gatehouse-auth/next";
import { account } from "@/lib/account";

// The Account API for the official Appwrite SDKs: new Client().setEndpoint("http://localhost:3000/v1").setProject("next-example").
export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = accountRoutes(account);
