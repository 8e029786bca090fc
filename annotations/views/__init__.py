from .core import healthz, home

__all__ = ["healthz", "home"]
