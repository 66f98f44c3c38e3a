"""The checker's rules, one module each: negation, numbers, quantifiers, entities (and roles), overreach."""
