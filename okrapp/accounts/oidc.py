"""Company sign-in with OpenID Connect, and password sign-in turned off for all but a break-glass admin.

The protocol is Authlib's Flask client (`authlib.integrations.flask_client.OAuth`): the authorization
code flow with PKCE (S256), state and nonce, the provider found by discovery
(`<issuer>/.well-known/openid-configuration`). Authlib keeps the state, nonce and code verifier in
the signed Flask session, refuses a callback whose state this browser did not start, and checks the
ID token's signature against the provider's JWKS (fetched again once for an unknown key id). Its
own claim checks are not enough on their own: it checks the issuer against the discovery document
only, and the audience not at all unless told. So `claims_options` names the configured issuer and
our client id as required values, and `verified_claims` checks issuer, audience, authorized party,
expiry and nonce again after it; the discovery document must name the configured issuer; a
callback's `iss` parameter (RFC 9207), where the provider sends one, must be it too.

Who gets in: a person whose ID token carries `email` with `email_verified` true (Entra ID: its
`xms_edov` true, as it sends no `email_verified`), matched without
regard to case to an active user. Someone unknown is refused, except that a person of a domain in
OKRAPP_OIDC_DOMAINS joins as an inactive user with no password (WAITING_ROLE until an admin picks
the role and activates them) and the admins are mailed. Every attempt leaves an AuthEvent (the login
audit trail); a sign-in and a joining also an account event."""
import logging
import time
from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request, session
from joserfc.errors import JoseError
from sqlalchemy import func, select

from okrapp.accounts import sessions
from okrapp.accounts.models import AuthEvent, User, record_event
from okrapp.core import mail, words
from okrapp.core.extensions import db
from okrapp.core.timeutil import utcnow
from okrapp.core.transaction import operation
from okrapp.core.words import N_, _

log = logging.getLogger("okrapp.auth")

CLIENT_NAME = "oidc"
SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10
LEEWAY_SECONDS = 120  # clock skew allowed on exp/iat, as Authlib's default
NEXT_KEY = "okrapp_oidc_next"
# The password hash of someone who joined by company sign-in: no password matches it (it has no
# method$salt$hash form), so they can only come in through the provider until an admin sets one.
NO_PASSWORD = "company-sign-in-only"
# The role column needs a value: a unit leader of no unit changes nothing, and the account stays
# inactive until an admin picks the real role (the users page says "waiting for a role").
WAITING_ROLE = "unit_leader"
PASSWORD_OFF = N_("Password sign-in is turned off here: use “%(button)s” above. Only the administrator named "
                  "for emergencies may sign in with a password.")
NO_ANSWER = N_("%(provider)s did not answer. Try again in a moment.")
NOT_VERIFIED = N_("The answer from %(provider)s failed verification; nobody was signed in.")


class SignInFailed(Exception):
    """The provider's answer could not be trusted or used; the page shows message with status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    domains: frozenset
    password_login: bool
    break_glass: str
    named: bool = True  # OKRAPP_OIDC_NAME is set; else name is "your company account" in the reader's language

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret)

    @property
    def button(self) -> str:
        return _("Sign in with %(provider)s", provider=self.name) if self.named else \
            _("Sign in with your company account")


def settings(config=None) -> Settings:
    config = current_app.config if config is None else config
    switch = (config.get("OKRAPP_PASSWORD_LOGIN") or "on").strip().lower()
    named = (config.get("OKRAPP_OIDC_NAME") or "").strip()
    return Settings(issuer=(config.get("OKRAPP_OIDC_ISSUER") or "").strip().rstrip("/"),
                    client_id=(config.get("OKRAPP_OIDC_CLIENT_ID") or "").strip(),
                    client_secret=config.get("OKRAPP_OIDC_CLIENT_SECRET") or "",
                    name=named or _("your company account"), named=bool(named),
                    domains=frozenset(d.strip().lower().lstrip("@") for d in
                                      (config.get("OKRAPP_OIDC_DOMAINS") or "").split(",") if d.strip()),
                    password_login=switch != "off",
                    break_glass=(config.get("OKRAPP_BREAK_GLASS_ADMIN") or "").strip().lower())


def check_settings(config) -> None:
    """Refuse to start with settings that would lock people out or half-configure the provider."""
    switch = (config.get("OKRAPP_PASSWORD_LOGIN") or "on").strip().lower()
    if switch not in ("on", "off"):
        raise RuntimeError(f"OKRAPP_PASSWORD_LOGIN must be on or off, not {switch!r}")
    s = settings(config)
    given = [bool(s.issuer), bool(s.client_id), bool(s.client_secret)]
    if any(given) and not all(given):
        raise RuntimeError("Company sign-in needs all three of OKRAPP_OIDC_ISSUER, OKRAPP_OIDC_CLIENT_ID and "
                           "OKRAPP_OIDC_CLIENT_SECRET.")
    if s.issuer and config.get("OKRAPP_PRODUCTION") and not s.issuer.startswith("https://"):
        raise RuntimeError("OKRAPP_OIDC_ISSUER must be an https:// address for the production configuration.")
    if not s.password_login and not (s.configured and s.break_glass):
        raise RuntimeError("OKRAPP_PASSWORD_LOGIN=off needs company sign-in configured (OKRAPP_OIDC_*) and "
                           "OKRAPP_BREAK_GLASS_ADMIN, the admin's e-mail who may still sign in with a password.")


def init_app(app) -> None:
    check_settings(app.config)

    @app.context_processor
    def company_sign_in():
        return {"company_sign_in": settings(), "waiting_for_role": waiting_for_role}


def waiting_for_role(user: User) -> bool:
    """Joined by company sign-in and not yet given a role by an admin (any admin save raises version)."""
    return not user.active and user.password_hash == NO_PASSWORD and user.version == 1


# --- password sign-in switched off ---------------------------------------------------------------

def password_allowed(email: str | None) -> bool:
    """With OKRAPP_PASSWORD_LOGIN=off only the break-glass admin (still an active admin) may use a password."""
    s = settings()
    if s.password_login:
        return True
    email = (email or "").strip().lower()
    if not email or email != s.break_glass:
        return False
    user = _user_by_email(email)
    return user is not None and user.active and user.role == "admin"


def password_refusal() -> str:
    return _(PASSWORD_OFF, button=settings().button)


@operation
def record_password_refused(email: str, remote_addr: str | None) -> None:
    _audit(email, None, False, "password sign-in off", remote_addr)


# --- the protocol ---------------------------------------------------------------------------------

def _client():
    """Authlib's client for the current settings, one per app and settings (metadata and JWKS cached in it)."""
    s = settings()
    if not s.configured:
        raise SignInFailed(_("Company sign-in is not configured here."), 404)
    app = current_app._get_current_object()
    clients = app.extensions.setdefault("okrapp_oidc_clients", {})
    key = (s.issuer, s.client_id, s.client_secret)
    if key not in clients:
        oauth = OAuth(app)
        clients[key] = oauth.register(
            CLIENT_NAME, client_id=s.client_id, client_secret=s.client_secret,
            server_metadata_url=f"{s.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": HTTP_TIMEOUT_SECONDS})
    return clients[key]


def _metadata(client, s: Settings) -> dict:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        log.warning("oidc discovery failed issuer=%s error=%s", s.issuer, error)
        raise SignInFailed(_(NO_ANSWER, provider=s.name), 502) from None
    if (metadata.get("issuer") or "").rstrip("/") != s.issuer:
        log.error("oidc discovery names issuer=%r, configured %r", metadata.get("issuer"), s.issuer)
        raise SignInFailed(_("Company sign-in is misconfigured here (the provider names another issuer). "
                             "Tell an administrator."), 502)
    return metadata


def redirect_uri() -> str:
    """The address to register at the provider: OKRAPP_BASE_URL + /login/sso/callback."""
    return current_app.config["OKRAPP_BASE_URL"].rstrip("/") + "/login/sso/callback"


def begin(next_path: str):
    """The redirect to the provider; state, nonce and the PKCE verifier wait in the Flask session."""
    client = _client()
    _metadata(client, settings())
    for key in [key for key in session if key.startswith(f"_state_{CLIENT_NAME}_")]:
        session.pop(key)  # one sign-in in flight per browser: repeated clicks must not outgrow the cookie
    session[NEXT_KEY] = next_path
    return client.authorize_redirect(redirect_uri())


def pop_next(default: str) -> str:
    return session.pop(NEXT_KEY, None) or default


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str
    email_verified: bool
    name: str


def identity_from_callback() -> Identity:
    """The person the provider vouches for, from a callback that passed every check, else SignInFailed."""
    s = settings()
    client = _client()
    _metadata(client, s)
    if request.args.get("error"):
        detail = (request.args.get("error_description") or request.args["error"])[:200]
        raise SignInFailed(_("%(provider)s did not sign you in: %(detail)s", provider=s.name, detail=detail), 403)
    if "iss" in request.args and request.args["iss"].rstrip("/") != s.issuer:
        raise SignInFailed(_("This answer came from another sign-in service. Start again."), 400)
    state = client.framework.get_state_data(session, request.args.get("state"))
    nonce = (state or {}).get("nonce")
    try:
        token = client.authorize_access_token(claims_options=claims_options(s), leeway=LEEWAY_SECONDS)
    except MismatchingStateError:
        raise SignInFailed(_("This sign-in was not started in this browser, or it was already used. Start again "
                             "from the login page."), 400) from None
    except OAuthError as error:
        log.warning("oidc token request refused issuer=%s error=%s", s.issuer, error)
        raise SignInFailed(_("%(provider)s refused to complete the sign-in. Start again.", provider=s.name),
                           400) from None
    except requests.RequestException as error:
        log.warning("oidc token request failed issuer=%s error=%s", s.issuer, error)
        raise SignInFailed(_(NO_ANSWER, provider=s.name), 502) from None
    except (JoseError, ValueError) as error:
        log.warning("oidc id token refused issuer=%s error=%r", s.issuer, error)
        raise SignInFailed(_(NOT_VERIFIED, provider=s.name), 401) from None
    claims = token.get("userinfo")
    if claims is None:
        raise SignInFailed(_("%(provider)s sent no ID token; nobody was signed in.", provider=s.name), 401)
    try:
        return verified_claims(dict(claims), s.issuer, s.client_id, nonce, time.time())
    except ValueError as error:
        log.warning("oidc id token refused issuer=%s reason=%s", s.issuer, error)
        raise SignInFailed(_(NOT_VERIFIED, provider=s.name), 401) from None


def claims_options(s: Settings) -> dict:
    """What Authlib must find in the ID token besides a good signature and the nonce."""
    return {"iss": {"essential": True, "values": [s.issuer]}, "aud": {"essential": True, "values": [s.client_id]},
            "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}


def verified_claims(claims: dict, issuer: str, client_id: str, nonce: str | None, now: float) -> Identity:
    """The ID token's claims checked again, independently of the library (ValueError says which failed)."""
    if (claims.get("iss") or "").rstrip("/") != issuer:
        raise ValueError("issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise ValueError("audience")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise ValueError("authorized party")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp + LEEWAY_SECONDS < now:
        raise ValueError("expiry")
    if not nonce or claims.get("nonce") != nonce:
        raise ValueError("nonce")
    if not claims.get("sub"):
        raise ValueError("subject")
    email = claims.get("email")
    return Identity(subject=str(claims["sub"]), email=email.strip().lower() if isinstance(email, str) else "",
                    email_verified=_verified(claims), name=_one_line(claims.get("name")))


def _verified(claims: dict) -> bool:
    """email_verified true (Google, Keycloak, most providers); Entra ID sends none and says the same
    with its optional claim xms_edov (the e-mail's domain is verified by the user's own tenant)."""
    def true(value) -> bool:
        return value is True or (isinstance(value, str) and value.lower() == "true")
    if "email_verified" in claims:
        return true(claims["email_verified"])
    return true(claims.get("xms_edov"))


def _one_line(value) -> str:
    text = value if isinstance(value, str) else ""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:120]


# --- who gets in ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """user: signed in (a session started); else refused, with why ("unverified", "unknown",
    "joined", "waiting", "inactive") for the page."""
    user: User | None
    refused: str = ""
    email: str = ""


@operation
def sign_in(identity: Identity, remote_addr: str | None, user_agent: str | None) -> Outcome:
    """Match the provider's person to a user, let a person of a listed domain join (inactive), or
    refuse; the audit rows are committed whatever the outcome."""
    s = settings()
    email = identity.email
    if not email or "@" not in email or not identity.email_verified:
        _audit(email or f"(sub {identity.subject})", None, False, "sso: e-mail not verified", remote_addr)
        return Outcome(None, "unverified", email)
    user = _user_by_email(email)
    if user is not None and user.active:
        sessions.start(user, user_agent, remote_addr)
        _audit(email, user, True, "signed in with SSO", remote_addr)
        record_event("sso_sign_in", user, detail=s.issuer)
        return Outcome(user)
    if user is not None:
        waiting = waiting_for_role(user)
        _audit(email, user, False, "sso: waiting for a role" if waiting else "sso: inactive", remote_addr)
        return Outcome(None, "waiting" if waiting else "inactive", email)
    if email.rpartition("@")[2] not in s.domains:
        _audit(email, None, False, "sso: unknown account", remote_addr)
        return Outcome(None, "unknown", email)
    user = User(email=email, name=identity.name or email.partition("@")[0], role=WAITING_ROLE,
                password_hash=NO_PASSWORD, active=False)
    db.session.add(user)
    db.session.flush()
    _audit(email, user, False, "sso: joined, waiting for a role", remote_addr)
    record_event("sso_joined", user, detail="waiting for a role")
    _ask_admins(user, s)
    return Outcome(None, "joined", email)


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _audit(email: str, user: User | None, success: bool, reason: str, remote_addr: str | None) -> None:
    at = utcnow()
    db.session.add(AuthEvent(email=email[:254], user_id=user.id if user else None, success=success,
                             reason=reason[:40], remote_addr=remote_addr, at=at))
    db.session.flush()
    log.info("sso %s email=%s reason=%s addr=%s", "success" if success else "refused", email, reason, remote_addr)


def _ask_admins(user: User, s: Settings) -> None:
    """One mail per active admin: someone joined and waits for a role."""
    for admin in db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))):
        with words.using(mail.reader_locale(admin)):
            provider = s.name if s.named else _("your company account")
            text, html = mail.render("oidc_joined", user=user, admin=admin, provider=provider)
            subject = _("okrapp: %(email)s waits for a role", email=user.email)
        mail.queue(f"sso-joined:{user.id}:{admin.id}", admin.email, subject, text, html, category="account")
