"""SpecError: every invalid document or tree is reported through it, with its path."""

from __future__ import annotations


def join_path(outer: str, inner: str) -> str:
    """Join two document paths: ``join_path("body[2]", "dense.units")``."""
    if not outer:
        return inner
    if not inner:
        return outer
    return outer + inner if inner.startswith("[") else f"{outer}.{inner}"


class SpecError(ValueError):
    """An invalid spec. ``path`` is where in the document (the message starts with it) and
    ``kind`` the block kind there, when the error is about a block."""

    def __init__(self, path: str, message: str, kind: str = "") -> None:
        self.path = path
        self.message = message
        self.kind = kind
        where = f"{path} ({kind})" if kind else path
        super().__init__(f"{where}: {message}" if where else message)

    def within(self, outer: str) -> SpecError:
        """The same error seen from an enclosing node at ``outer``."""
        err = SpecError(join_path(outer, self.path), self.message, self.kind)
        err.__cause__ = self.__cause__
        return err
