"""The tracking page's rules: who may see a case (one-time codes and tracking secrets), what
the person is shown about it, and what they can do from it (reply, ask for the next stage)."""
