"""Plaidoyer pages: staff assemble, version and export the document."""
