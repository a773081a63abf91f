"""Casework: a case's current state folded from its events, its deadlines, the case list,
learning actions and the aide-memoire. Nothing here writes except ``events.append``."""
