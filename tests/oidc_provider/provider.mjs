// A real OpenID provider on loopback for okrapp's company sign-in tests: panva's oidc-provider
// (OpenID Certified), with its development login form, open dynamic client registration and a fresh
// RSA signing key per start. It prints one JSON line, {"issuer": ...}, once it listens.
//
// Accounts: whatever login is typed is the account; its e-mail is the login, verified unless the
// login starts with "unverified:" (then the rest is the e-mail, with email_verified false).
//
// An impostor for the "key not in the JWKS" test: a second Provider instance with the same issuer,
// clients and storage (the memory adapter is shared within the process) but its own key under the
// same key id. POST /__test__/impostor?client_id=X makes token requests of that client go to it,
// so the ID token that client receives is signed with a key the published JWKS does not hold.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const KEY_ID = 'okrapp-test-signing-key';
const UNVERIFIED = 'unverified:';

function signingKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: KEY_ID, use: 'sig', alg: 'RS256' };
}

async function findAccount(ctx, id) {
  const verified = !id.startsWith(UNVERIFIED);
  const email = verified ? id : id.slice(UNVERIFIED.length);
  return {
    accountId: id,
    async claims() {
      return { sub: id, email, email_verified: verified, name: email.split('@')[0] };
    },
  };
}

// First-party sign-in, as a company directory does it: no consent screen, the grant is made at once.
async function loadExistingGrant(ctx) {
  const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
  if (grantId) {
    return ctx.oidc.provider.Grant.find(grantId);
  }
  const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
  grant.addOIDCScope('openid email profile');
  await grant.save();
  return grant;
}

function configuration() {
  return {
    jwks: { keys: [signingKey()] },
    findAccount,
    loadExistingGrant,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false, // the e-mail in the ID token itself, as Google and Keycloak send it
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
    },
    pkce: { required: () => true }, // every client must send an S256 code challenge
    cookies: { keys: ['okrapp-test-provider-cookies'] },
  };
}

function basicClientId(req) {
  const header = req.headers.authorization || '';
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  return decodeURIComponent(decoded.split(':')[0]);
}

const impostorClients = new Set();
let provider; // request handlers, set once the port (and so the issuer) is known
let impostor;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://provider');
  if (req.method === 'POST' && url.pathname === '/__test__/impostor') {
    impostorClients.add(url.searchParams.get('client_id'));
    res.writeHead(204).end();
    return;
  }
  const signer = url.pathname === '/token' && impostorClients.has(basicClientId(req)) ? impostor : provider;
  signer(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, configuration()).callback();
  impostor = new Provider(issuer, configuration()).callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => process.exit(0));
