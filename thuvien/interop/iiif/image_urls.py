"""IIIF Image API 3.0: info.json and image requests (/iiif/3/<object>-<seq>/...)."""

from django.urls import re_path

from thuvien.interop.iiif import image_views as views

app_name = "iiif_image"

# The identifier is "<object id>-<seq>"; a client may escape the dash (%2D): the server unescapes the path.
# The four parameters take any text, so that a malformed one is answered 400 with a reason, not 404.
ID = r"(?P<object_id>[0-9]{1,12})-(?P<seq>[0-9]{1,6})"

urlpatterns = [
    re_path(rf"^{ID}$", views.service, name="service"),
    re_path(rf"^{ID}/info\.json$", views.info, name="info"),
    re_path(
        rf"^{ID}/(?P<region>[^/]+)/(?P<size>[^/]+)/(?P<rotation>[^/]+)/(?P<filename>[^/]+)$",
        views.image,
        name="image",
    ),
]
