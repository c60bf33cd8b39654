class CirculationError(Exception):
    """A circulation action that cannot be done; CODE is stable for machines, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
