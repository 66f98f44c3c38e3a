"""Sending e-mail through the configured SMTP server (none configured: nothing is sent).

Requests only queue their mail; the task worker (``flask worker``) talks to the SMTP server after
the response, so a slow or dead server neither delays a request (nor, by its delay, tells whether an
account exists) nor ties up web workers.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from contrib import tasks

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 10
SEND_TASK = "mail.send"


def is_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Queue a plain-text e-mail for the task worker; return False (and log) when SMTP is off or the
    queue cannot take it.

    Mail is a courtesy on top of in-site notifications, so a failure never breaks the request.
    """
    if not is_configured():
        logger.info("SMTP not configured; not sending %r to %s", subject, to)
        return False
    try:
        tasks.enqueue(SEND_TASK, to, subject, body)
    except Exception:  # noqa: BLE001 - whatever the queue's backend raises (SQLite, Redis), the request goes on
        logger.exception("could not queue %r to %s", subject, to)
        return False
    return True


@tasks.task(SEND_TASK)
def deliver_now(to: str, subject: str, body: str) -> bool:
    """Send one e-mail through the SMTP server (on the task worker); return False (and log) on failure."""
    config = current_app.config
    if not is_configured():
        logger.info("SMTP not configured; not sending %r to %s", subject, to)
        return False
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        logger.exception("could not send %r to %s", subject, to)
        return False
    return True
