"""Fixtures of the security tests live in support.py (shared with nothing else yet)."""

from tests.security.support import fast_password_hashing, hostile_world  # noqa: F401
