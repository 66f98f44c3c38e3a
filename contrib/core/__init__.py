"""Below every area: transactions, audit, undo, permissions, validation, errors, ids, routing."""
