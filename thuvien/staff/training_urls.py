from django.urls import path

from thuvien.staff import training

app_name = "staff_training"

urlpatterns = [
    path("", training.staff_list, name="staff"),
    path("new/", training.member_new, name="member_new"),
    path("summary/", training.summary, name="summary"),
    path("<int:member_id>/", training.member_page, name="member"),
    path("<int:member_id>/end/", training.member_end, name="member_end"),
    path("<int:member_id>/remove/", training.member_remove, name="member_remove"),
    path("courses/", training.course_list, name="courses"),
    path("courses/new/", training.course_new, name="course_new"),
    path("courses/<int:course_id>/", training.course_page, name="course"),
    path("courses/<int:course_id>/edit/", training.course_edit, name="course_edit"),
    path("courses/<int:course_id>/enrol/", training.course_enrol, name="course_enrol"),
    path("courses/<int:course_id>/attendees.csv", training.course_csv, name="course_csv"),
    path(
        "courses/<int:course_id>/attendees/<int:attendance_id>/",
        training.attendance_update,
        name="attendance",
    ),
    path(
        "courses/<int:course_id>/attendees/<int:attendance_id>/remove/",
        training.attendance_remove,
        name="attendance_remove",
    ),
]
