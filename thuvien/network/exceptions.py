class NetworkError(Exception):
    """A change to the library network that cannot be made; the message is for the user."""
