"""fixfirst: find the weak spots in a customer journey before marketing amplifies them."""

from ._version import __version__

# typing.TYPE_CHECKING without importing typing (type checkers read this name the same way): see _LAZY below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import Audit, VerdictStatus, audit
    from .config import Engagement, Settings
    from .errors import FixfirstError, InputProblems, Problem
    from .memory import FrameSource, engagement_from_frames

# The front door (docs/python-api.md), each name imported on first use: `import fixfirst` stays as cheap as it was
# (no pandas, no pydantic, no WeasyPrint) for the CLI and for tools that only read __version__.
_LAZY = {
    "audit": "api", "Audit": "api", "VerdictStatus": "api",
    "Engagement": "config", "FrameSource": "memory", "engagement_from_frames": "memory", "Settings": "config",
    "FixfirstError": "errors", "InputProblems": "errors", "Problem": "errors",
}

__all__ = ["Audit", "Engagement", "FixfirstError", "FrameSource", "InputProblems", "Problem", "Settings",
           "VerdictStatus", "__version__", "audit", "engagement_from_frames"]


def __getattr__(name: str) -> "Any":
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fixfirst' has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> "list[str]":
    return sorted(set(globals()) | set(__all__))
