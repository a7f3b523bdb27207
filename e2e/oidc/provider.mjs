// A real, certified OpenID provider (npm `oidc-provider`) for the browser tests.
// Configuration comes from the environment; accounts are the demo accounts' emails.
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}"); // login -> { email, name }

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  cookies: { keys: [process.env.OIDC_COOKIE_KEY || "e2e-only-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    return {
      accountId: id,
      async claims() {
        // Unknown logins still get an identity: the portal must refuse them itself.
        return account
          ? { sub: id, email: account.email, email_verified: true, name: account.name }
          : { sub: id, email: `${id}@unknown.example`, email_verified: true, name: id };
      },
    };
  },
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
