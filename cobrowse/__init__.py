"""Web-Begleiter: a co-browsing relay for public-service hotlines."""

__version__ = "0.1.0"
