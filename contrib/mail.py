"""Sending e-mail through the configured SMTP server (none configured: nothing is sent)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 10


def is_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text e-mail; return False (and log) when SMTP is off or fails.

    Mail is a courtesy on top of in-site notifications, so a failure never breaks the request.
    """
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
