"""Facilitation: importing workshop sheets, and the public open-data exports of a process."""
