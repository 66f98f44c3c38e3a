"""Contrib: a collaborative contribution platform with assisted synthesis."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

# python-docx (plaidoyer export) installs lxml, and openpyxl switches to lxml whenever it can import
# it. The workshop-sheet importer relies on the standard library's expat parser (it refuses entity
# bombs with a ParseError that services.sheets turns into a French message): keep openpyxl on it.
# Read once, when openpyxl is first imported, which is always after this package.
os.environ["OPENPYXL_LXML"] = "False"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, commands, error pages."""
    project_root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(project_root / "templates"),
        static_folder=str(project_root / "static"),
    )
    from contrib.config import settings_from_environment

    overrides = test_config or {}
    app.config.from_mapping(settings_from_environment(Path(app.instance_path), secret_key=overrides.get("SECRET_KEY")))
    app.config.from_mapping(overrides)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from contrib.core import routing

    routing.init_app(app)  # before any blueprint adds its routes

    from contrib.extensions import csrf, db, limiter, login_manager, migrate, release_session_safely

    db.init_app(app)
    release_session_safely(app)
    migrate.init_app(app, db, directory=str(project_root / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from contrib import accounts, cli, tasks
    from contrib.accounts.views import bp as accounts_bp
    from contrib.admin.views import bp as admin_bp
    from contrib.assistant.views import bp as assistant_bp
    from contrib.clustering.views import bp as clustering_bp
    from contrib.core import dates, error_pages, forms, french, page_cache, permissions, security, undo
    from contrib.duplicates.views import bp as duplicates_bp
    from contrib.facilitation.views import bp as facilitation_bp
    from contrib.main.views import bp as main_bp
    from contrib.moderation.views import bp as moderation_bp
    from contrib.participation import display as participation_display
    from contrib.participation.views import bp as participation_bp
    from contrib.plaidoyer.views import bp as plaidoyer_bp
    from contrib.prioritisation.views import bp as prioritisation_bp
    from contrib.proposals.views import bp as proposals_bp

    accounts.init_app(app)
    undo.init_app(app, _undo_registrations())
    security.init_app(app)
    page_cache.init_app(app)
    permissions.init_app(app)
    dates.init_app(app)
    french.init_app(app)
    forms.init_app(app)
    participation_display.init_app(app)
    error_pages.init_app(app)
    cli.init_app(app)
    tasks.init_app(app)
    for blueprint in (
        main_bp,
        accounts_bp,
        participation_bp,
        admin_bp,
        facilitation_bp,
        moderation_bp,
        clustering_bp,
        duplicates_bp,
        proposals_bp,
        assistant_bp,
        prioritisation_bp,
        plaidoyer_bp,
    ):
        app.register_blueprint(blueprint)

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _undo_registrations():
    """Each area's ``register_undo``: how its moderation acts are reversed and named in the journal."""
    from contrib.assistant import flags as assistant_flags
    from contrib.assistant import services as assistant_services
    from contrib.clustering import adjustments_undo
    from contrib.duplicates import decisions, detection
    from contrib.moderation import hiding, report_queue
    from contrib.plaidoyer import undo_handlers as plaidoyer_undo
    from contrib.prioritisation import cards, plenary, proposal_life
    from contrib.proposals import services as proposals_services

    return (
        hiding.register_undo,
        report_queue.register_undo,
        adjustments_undo.register_undo,
        detection.register_undo,
        decisions.register_undo,
        proposals_services.register_undo,
        proposal_life.register_undo,
        plenary.register_undo,
        cards.register_undo,
        plaidoyer_undo.register_undo,
        assistant_services.register_undo,
        assistant_flags.register_undo,
    )
