"""gunicorn settings for Contrib, read by ``gunicorn wsgi:app`` from the repository root.

Used in production and by ``bench/bench_load.py``; command-line options override them.
"""

import multiprocessing
import os

bind = os.environ.get("CONTRIB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("CONTRIB_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("CONTRIB_WEB_THREADS", 2))
# The app (and the nlp libraries, seconds to import) is loaded once, then workers fork ready to serve:
# no worker is still booting when the first people arrive, and the loaded code is shared memory.
preload_app = True
# A worker silent this long is killed and restarted (gunicorn's default is 30 s). Every request is meant to
# end well within it: what takes longer (large imports, clustering, summaries of large scopes, the plaidoyer's
# PDF) runs on the task queue. 60 s leaves room for a request slowed down by a loaded host (the largest
# plaidoyer's DOCX takes 3 s of CPU) without letting a stuck worker hold its connections for minutes.
timeout = int(os.environ.get("CONTRIB_WEB_TIMEOUT", 60))
keepalive = 75  # as long as a proxy in front keeps its connections
# gunicorn's control socket has one default path per user: several instances on one machine would share it.
control_socket_disable = True


def when_ready(server):
    """Before forking, once, in the master: configure the ORM mappers, compile every template and
    load the sentence encoder and build the similar-contributions indexes of the open processes, so
    that no worker pays for them on its first requests (seconds each, and the model's 160 MB shared)."""
    from sqlalchemy.orm import configure_mappers

    from contrib.extensions import db
    from contrib.participation import similar
    from nlp import embeddings
    from wsgi import app

    configure_mappers()
    for name in app.jinja_env.list_templates(extensions=["html"]):
        app.jinja_env.get_template(name)
    embeddings.embed(["Préchargement du modèle de sens."])
    with app.app_context():
        try:
            server.log.info("similar-contribution indexes built before forking: %s", similar.warm_up())
        except Exception:  # the database may not be reachable yet: workers build them on first use
            server.log.exception("similar-contribution indexes not built before forking")
        db.session.remove()
        db.engine.dispose()


def post_fork(server, worker):
    """Database and queue connections opened while loading the app belong to the master: drop them."""
    from contrib import tasks
    from contrib.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
        tasks.queue(app).storage.close()
