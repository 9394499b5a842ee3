"""Video and phone check-ins: the worker's console and call room, the client's call page."""

from .views import bp

__all__ = ["bp"]
