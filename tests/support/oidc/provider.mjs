// A real OpenID provider for the single sign-on tests: oidc-provider (a certified
// implementation) on 127.0.0.1 at the port given, configured from a JSON file.
//
//   node provider.mjs PORT CONFIG.json
//
// CONFIG.json: {"clients": [...client metadata...], "jwks": {"keys": [private JWKs]},
//               "accounts": {"<sub>": {"preferred_username", "name", "email", "roles", ...}}}
//
// The accounts are read from the file again at every sign-in and token, so a test can change a
// person's roles or groups in the "directory" between two sign-ins. Sign-in uses
// oidc-provider's built-in development login form (any password; the login names the account)
// and consent is taken as given for every client (first-party applications, as in a company
// directory). PKCE is required of every client, back-channel logout and RP-initiated logout are
// on, and the ID token carries the profile, email, roles and groups claims (as Microsoft Entra
// ID puts them there).

import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
if (!port || !configPath) {
  console.error('usage: node provider.mjs PORT CONFIG.json');
  process.exit(2);
}
const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const config = readConfig();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: config.jwks,
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    roles: ['roles'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'roles', 'groups', 'offline_access'],
  // Claims from the scopes go into the ID token itself, as Entra ID does.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  // oidc-provider refuses to call loopback addresses (a guard against server-side request
  // forgery); the service under test is on this machine, so its back-channel logout address
  // is one. Only this test provider drops the guard.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  cookies: { keys: ['test-only-cookie-key-not-a-secret'] },
  async findAccount(ctx, sub) {
    const account = readConfig().accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, ...account };
      },
    };
  },
  // Consent is taken as given: every scope and claim the client asks for is granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.on('backchannel.error', (ctx, error) => console.error('backchannel.error', error));
provider.on('backchannel.success', (ctx, client) => console.error('backchannel.success', client.clientId));

provider.listen(Number(port), '127.0.0.1', () => {
  console.error(`oidc-provider listening at ${issuer}`);
});
