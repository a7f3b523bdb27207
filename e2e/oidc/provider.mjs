// A real, certified OpenID provider (npm `oidc-provider`) for the browser tests.
// Configuration comes from the environment. Accounts (login -> { email, name, email_verified?, groups? })
// come from OIDC_ACCOUNTS, or from the JSON file OIDC_ACCOUNTS_FILE, read again on every sign-in so a
// test can change someone's claims (e.g. take a group away) between two sign-ins.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;

function accounts() {
  if (process.env.OIDC_ACCOUNTS_FILE) return JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS_FILE, "utf8"));
  return JSON.parse(process.env.OIDC_ACCOUNTS || "{}");
}

const client = {
  client_id: process.env.OIDC_CLIENT_ID,
  client_secret: process.env.OIDC_CLIENT_SECRET,
  redirect_uris: [process.env.OIDC_REDIRECT_URI],
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
};
if (process.env.OIDC_POST_LOGOUT_URI) client.post_logout_redirect_uris = [process.env.OIDC_POST_LOGOUT_URI];
if (process.env.OIDC_BACKCHANNEL_URI) {
  client.backchannel_logout_uri = process.env.OIDC_BACKCHANNEL_URI;
  client.backchannel_logout_session_required = true;
}

const provider = new Provider(issuer, {
  clients: [client],
  pkce: { required: () => true },
  // The portal listens on loopback in tests: let back-channel logout reach it past the provider's SSRF guard
  // (which refuses special-use addresses such as 127.0.0.1). Test-only; never do this in a real provider.
  fetch(url, options) {
    const { dispatcher: _ssrfGuard, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
  cookies: { keys: [process.env.OIDC_COOKIE_KEY || "e2e-only-cookie-key"] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: Boolean(process.env.OIDC_BACKCHANNEL_URI) },
  },
  async findAccount(_ctx, id) {
    const account = accounts()[id];
    return {
      accountId: id,
      async claims() {
        // Unknown logins still get an identity: the portal must refuse them itself.
        if (!account) return { sub: id, email: `${id}@unknown.example`, email_verified: true, name: id };
        const claims = { sub: id, email: account.email, name: account.name };
        claims.email_verified = account.email_verified ?? true;
        if (account.groups) claims.groups = account.groups;
        return claims;
      },
    };
  },
});

provider.on("backchannel.success", (_ctx, client) => console.log(`back-channel logout sent to ${client.clientId}`));
provider.on("backchannel.error", (_ctx, error, client) => console.log(`back-channel logout to ${client.clientId} failed: ${error} ${error.cause}`));

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
