from django.contrib.auth import views as auth_views
from django.urls import path

from thuvien.staff import views

app_name = "staff"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="staff/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="opac:home"), name="logout"),
    path("", views.home, name="home"),
    path("records/", views.record_list, name="records"),
    path("records/new/", views.record_edit, name="record_new"),
    path("records/<int:record_id>/", views.record_edit, name="record_edit"),
    path("records/<int:record_id>/items/new/", views.item_edit, name="item_new"),
    path("items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("import/", views.import_view, name="import"),
]
