"""Where inspection evidence is kept: a private folder no web server serves (files go out through a
permission-checked view only), ``THUVIEN_PRIVATE_ROOT`` (default ``DATA_DIR/private``)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A file system storage under ``settings.PRIVATE_MEDIA_ROOT``, read at each use (tests move it), no URL."""

    @property
    def base_location(self):
        return os.fspath(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("private files have no URL; serve them through a permission-checked view")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
