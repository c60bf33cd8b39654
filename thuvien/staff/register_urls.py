from django.urls import path

from thuvien.staff import register

app_name = "staff_register"

urlpatterns = [
    path("", register.register_list, name="list"),
    path("<str:code>/", register.profile_page, name="profile"),
]
