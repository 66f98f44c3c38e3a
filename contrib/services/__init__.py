"""Business rules, one module per area; each public function is one transaction."""
