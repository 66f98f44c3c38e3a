"""Command-line commands: `flask --app wsgi seed-demo`, `load-csv`, `create-user`, `embed-contributions`."""

from pathlib import Path

import click

from contrib.core.errors import ContribError
from contrib.core.french import count
from contrib.models import Role


def init_app(app):
    app.cli.add_command(seed_demo)
    app.cli.add_command(load_csv)
    app.cli.add_command(create_user)
    app.cli.add_command(embed_contributions)


@click.command("seed-demo")
def seed_demo():
    """Load the demo data once (a second run changes nothing) and print the demo accounts."""
    from contrib.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    created = load_demo()
    click.echo(
        f"Données de démonstration : {created['accounts']} comptes, {created['processes']} démarches, "
        f"{created['contributions']} contributions ajoutés."
    )
    click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role.label:<18} {account.email}")


@click.command("load-csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--process", "slug", default="consultation", show_default=True, help="Slug of the target process.")
@click.option("--title", default=None, help="Title when the process is created.")
def load_csv(path, slug, title):
    """Load a CSV shaped like ../shared/data/*.csv (columns text, theme, title) into a process."""
    from contrib.facilitation.bulk import ensure_process, load_rows, read_consultation_csv

    try:
        process = ensure_process(slug, title or f"Consultation {path.stem}")
        result = load_rows(process.id, read_consultation_csv(path))
    except ContribError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{result.n_loaded} contributions chargées dans « {process.slug} », {result.n_skipped} ignorées.")
    for reason, n in sorted(result.skipped_reasons.items()):
        click.echo(f"  {n} × {reason}")
    if result.n_loaded:
        from contrib.participation import vectors

        vectors.queue_backfill(process.id)
        click.echo("Vecteurs de sens : calcul confié à la file de tâches (flask worker).")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.PARTICIPANT.value)
@click.password_option()
def create_user(email, name, role, password):
    """Create an account with any role (the first staff account, for instance)."""
    from contrib.accounts.registration import create_user as create

    try:
        user = create(email, name, password, role=Role(role))
    except ContribError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Compte créé : {user.email} ({user.role.label}).")


@click.command("embed-contributions")
@click.option("--process", "slug", default=None, help="Slug of one process (default: all).")
@click.option("--now", is_flag=True, help="Compute here and now instead of on the task queue.")
def embed_contributions(slug, now):
    """Compute the meaning vectors still missing (new rows, or made by another model)."""
    from contrib.participation import vectors
    from contrib.processes import services as processes

    try:
        process_id = processes.get_by_slug(slug).id if slug else None
    except ContribError as error:
        raise click.ClickException(error.message) from error
    missing = vectors.count_missing(process_id)
    if not now:
        vectors.queue_backfill(process_id)
        click.echo(f"{count(missing, 'vecteur')} à calculer : confié à la file de tâches (flask worker).")
        return

    def report(done, total):
        click.echo(f"  {done} / {total}")

    click.echo(f"{count(vectors.backfill(process_id, on_progress=report), 'vecteur calculé', 'vecteurs calculés')}.")
