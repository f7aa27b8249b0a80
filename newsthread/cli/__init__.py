"""Command-line interfaces: `newsthread` (ours) and `tgnews` (the contest contract)."""
