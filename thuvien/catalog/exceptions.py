class CatalogError(Exception):
    """A catalogue change that cannot be made; the message is for the user."""
