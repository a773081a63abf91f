"""The Flask application's own parts: configuration, per-process parts, security headers,
templates, gzip and error pages."""
