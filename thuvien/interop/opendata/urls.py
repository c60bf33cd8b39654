from django.urls import path

from thuvien.interop.opendata import views

app_name = "opendata"

urlpatterns = [
    path("du-lieu-mo/", views.index, name="index"),
    path("du-lieu-mo/dcat.jsonld", views.dcat_view, name="dcat"),
    path("du-lieu-mo/tai-ve/<str:name>", views.download, name="download"),
]
