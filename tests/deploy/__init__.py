"""The production stack in deploy/ and the dependency lock in requirements/."""
