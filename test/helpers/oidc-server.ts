import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** A user the test OpenID provider knows. */
export interface OidcAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

export interface OidcServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Set before the first request: the client's redirect URI (Gatehouse's callback URL). */
  redirectUri: string;
  /** What the next login interaction does: log this account in, or deny (access_denied). */
  next: { account: string } | { deny: true };
  close(): Promise<void>;
}

/**
 * A real OpenID provider (npm `oidc-provider`) on loopback, with one confidential client whose
 * redirect URI is Gatehouse's callback (`redirectUri`, set before the first request). The interaction (login) is answered by the test's `next`
 * choice instead of a form; consent is implied for the first-party client by `loadExistingGrant`.
 */
export async function startOidcServer(accounts: Record<string, OidcAccount>): Promise<OidcServer> {
  let provider: any = null;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      void interaction(req, res).catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    (provider ??= makeProvider()).callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: OidcServer = {
    issuer,
    clientId: "gatehouse-test",
    clientSecret: "gatehouse-test-secret-0123456789abcdef",
    redirectUri: "",
    next: { account: Object.keys(accounts)[0]! },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  // Made on the first request, once the test knows the redirect URI.
  const makeProvider = () =>
    new Provider(issuer, {
      clients: [
        {
          client_id: state.clientId,
          client_secret: state.clientSecret,
          redirect_uris: [state.redirectUri],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      cookies: { keys: ["oidc-test-cookie-key"] },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600 },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx: unknown, id: string) {
        const account = Object.values(accounts).find((a) => a.sub === id);
        return account ? { accountId: id, claims: async () => ({ ...account }) } : undefined;
      },
      // First-party client: every requested scope is granted without a consent screen.
      async loadExistingGrant(ctx: any) {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope("openid email profile");
        await grant.save();
        return grant;
      },
    });

  async function interaction(req: any, res: any) {
    await provider.interactionDetails(req, res);
    const next = state.next;
    const result =
      "deny" in next
        ? { error: "access_denied", error_description: "End-User aborted interaction" }
        : { login: { accountId: accounts[next.account]!.sub } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  return state;
}
