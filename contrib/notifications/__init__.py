"""Notifications: in the site, and by e-mail when configured."""
