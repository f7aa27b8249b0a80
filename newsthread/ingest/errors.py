"""Errors raised by readers: one class, a message a user can act on."""


class ReadError(ValueError):
    """An input could not be turned into an Article (binary, empty, wrong format...)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
