"""Messages to people and staff outside the service (email through SMTP)."""
