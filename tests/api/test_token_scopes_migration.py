"""Tokens made before scopes existed keep doing what they did (reading, check-ins, metric values) and no
more: managing objectives, key results and incentives came later and needs a token made for it."""
import hashlib
from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from okrapp.core.extensions import db

from tests.conftest import make_app


def test_a_token_made_before_scopes_keeps_what_it_could_do_and_no_expiry(tmp_path, database_url):
    token = "okr_made-before-scopes-Zq0uX2v9KpT4yWm8sLr6NcHe1BfJ3dAg5"
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'scopes.db'}"
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="e3f1a2b4c5d6")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, role, password_hash, active, created_at) VALUES "
                              "('early@example.com', 'Early', 'executive', 'x', :yes, :now)"),
                         {"yes": True, "now": datetime(2026, 11, 1)})
            user_id = conn.execute(text("SELECT id FROM users WHERE email = 'early@example.com'")).scalar()
            conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES "
                              "(:user, 'old', :hash, :prefix, :now)"),
                         {"user": user_id, "hash": hashlib.sha256(token.encode()).hexdigest(), "prefix": token[:12],
                          "now": datetime(2026, 11, 1)})
        upgrade()
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT scopes, expires_at FROM api_tokens")).one()
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        me = client.get("/api/v1/me", headers=auth)
        write = client.post("/api/v1/objectives", json={"cycle": 1}, headers=auth)  # managing: not what it could do
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM api_tokens"))
            conn.execute(text("DELETE FROM auth_events"))
            conn.execute(text("DELETE FROM users WHERE email = 'early@example.com'"))
        db.session.remove()
        if not url.startswith("postgresql"):
            db.engine.dispose()
    assert tuple(stored) == ("read check-ins metrics", None)
    assert me.status_code == 200 and write.status_code == 403 and write.get_json()["missing_scope"] == "manage"
