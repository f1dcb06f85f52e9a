"""A real OpenID provider for the company sign-in tests: provider.mjs (panva's oidc-provider under
Node.js, installed by `make oidc-provider`) run on loopback by server.py."""
