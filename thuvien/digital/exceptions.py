class DigitalError(Exception):
    """A refused change to digital material; the message is for the librarian (translated)."""


class IngestError(DigitalError):
    """An upload or ingest refused; nothing of it was kept."""
