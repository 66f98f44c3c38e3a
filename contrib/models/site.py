"""Site-wide counters shared by every host through the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contrib.extensions import db


class DataGeneration(db.Model):
    """One row counting committed writes: a page cached under an older value is out of date on every host
    (``contrib.core.page_cache``)."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
