from django.urls import path

from thuvien.staff import dedup

app_name = "staff_dedup"

urlpatterns = [
    path("", dedup.queue, name="queue"),
    path("<int:pair_id>/", dedup.pair_view, name="pair"),
    path("<int:pair_id>/merge/", dedup.pair_merge, name="pair_merge"),
    path("<int:pair_id>/distinct/", dedup.pair_distinct, name="pair_distinct"),
    path("merge/", dedup.merge_by_number, name="merge"),
    path("merges/", dedup.merges, name="merges"),
    path("merges/<int:merge_id>/undo/", dedup.merge_undo, name="merge_undo"),
]
