from django.urls import path

from thuvien.staff import rules

app_name = "staff_rules"

urlpatterns = [
    path("", rules.rules_view, name="rules"),
    path("<str:code>/new/", rules.rule_edit, name="rule_new"),
    path("<str:code>/<int:rule_id>/", rules.rule_edit, name="rule_edit"),
    path("<str:code>/<int:rule_id>/delete/", rules.rule_delete, name="rule_delete"),
    path("<str:code>/closures/", rules.closure_add, name="closure_add"),
    path("<str:code>/closures/<int:closure_id>/delete/", rules.closure_delete, name="closure_delete"),
]
