from django.urls import path

from thuvien.staff import copycat

app_name = "staff_copycat"

urlpatterns = [
    path("", copycat.search, name="search"),
    path("hits/<str:token>/", copycat.hit, name="hit"),
    path("hits/<str:token>/import/", copycat.import_hit, name="import"),
    path("targets/", copycat.targets, name="targets"),
    path("targets/new/", copycat.target_new, name="target_new"),
    path("targets/<slug:code>/edit/", copycat.target_edit, name="target_edit"),
    path("targets/<slug:code>/test/", copycat.target_test, name="target_test"),
]
