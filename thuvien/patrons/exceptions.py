class PatronError(Exception):
    """A change to a reader that cannot be made; CODE is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PinLocked(PatronError):
    """Too many wrong PINs for a card: refused for a while, whatever is typed."""
