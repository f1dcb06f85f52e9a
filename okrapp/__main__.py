"""The `okrapp` command (and `python -m okrapp`): Flask's CLI over create_app, with `run` starting the
scheduler in the serving process. The commands themselves are in okrapp.cli."""
import click
from flask.cli import FlaskGroup

from okrapp import create_app


def _run_command():
    """Flask's `run`, plus the scheduler in process: started once, in the process that serves
    (under the reloader that is the child, where WERKZEUG_RUN_MAIN is set)."""
    import os

    from flask.cli import ScriptInfo
    from flask.cli import run_command as flask_run

    @click.command("run", params=[*flask_run.params, click.Option(
        ["--scheduler/--no-scheduler"], default=True, help="Run the job scheduler in this process.")],
        help=flask_run.help, context_settings=flask_run.context_settings)
    @click.pass_context
    def run(ctx, scheduler, **kwargs):
        app = ctx.ensure_object(ScriptInfo).load_app()
        reload = kwargs.get("reload")
        reload = app.debug if reload is None else reload
        if scheduler and (not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"):
            from okrapp.core.background.scheduler import start_in_process
            start_in_process(app)
        ctx.invoke(flask_run, **kwargs)
    return run


def main() -> None:
    from flask.cli import routes_command, shell_command
    cli = FlaskGroup(create_app=create_app, add_default_commands=False,
                     help="okrapp: customer-centric governance with shared OKRs.")
    cli.add_command(_run_command())
    cli.add_command(shell_command)
    cli.add_command(routes_command)
    cli.main(prog_name="okrapp")


if __name__ == "__main__":
    main()
