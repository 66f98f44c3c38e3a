"""The checker's rules, one module each: negation, numbers, quantifiers, entities (and roles), places, ages,
placement, overreach."""
