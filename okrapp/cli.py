"""The `okrapp` command: Flask's CLI over the app factory plus okrapp's own groups."""
import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .extensions import db
from .models.user import ROLES


def fail(message: str) -> None:
    """Bad input: one clear line on stderr and exit status 2."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo organisation (once; running it again changes nothing)."""
    from .services.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
    if not current_app.config.get("OKRAPP_DEMO_ALLOWED"):
        fail("the demo organisation is not loaded under the production configuration")
    loaded = load_demo()
    db.session.commit()
    click.echo("Demo organisation loaded." if loaded else "Demo organisation already loaded; nothing changed.")
    click.echo(f"Logins (password {DEMO_PASSWORD}):")
    for email, role in DEMO_LOGINS:
        click.echo(f"  {email:<28} {role}")


users_group = click.Group("users", help="Manage users.")


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default=None, help="Display name (default: the part of the email before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(email, role, name, password):
    """Create a user."""
    from email_validator import EmailNotValidError, validate_email

    from .services import ServiceError
    from .services.admin import create_user
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        fail(f"--email: {error}")
    if len(password) < 10:
        fail("--password: use at least 10 characters")
    try:
        user = create_user(email, name or email.split("@")[0], role, password)
    except ServiceError as error:
        fail(error.message)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@users_group.command("list")
@with_appcontext
def list_users_command():
    """List users with their roles."""
    from sqlalchemy import select

    from .models import User
    for user in db.session.scalars(select(User).order_by(User.email)):
        click.echo(f"{user.email:<32} {user.role:<12} {'active' if user.active else 'inactive'}")


def register_commands(app) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)


def _create_app():
    from . import create_app
    return create_app()


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, help="okrapp: customer-centric governance with shared OKRs.")
    cli.main(prog_name="okrapp")
