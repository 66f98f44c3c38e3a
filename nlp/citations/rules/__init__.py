"""The checker's rules, one module each: negation, numbers (read) and number_check, quantifiers, entities (and
roles), places, ages, placement, overreach."""
