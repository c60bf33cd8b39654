from django.utils.functional import SimpleLazyObject


def staff_nav(request):
    """Say which parts of the staff navigation the user may use (evaluated only when a page asks)."""

    def flags():
        from thuvien.accounts.queries import is_staff_member
        from thuvien.reports.queries import is_reports_user

        user = getattr(request, "user", None)
        return {"member": is_staff_member(user), "reports": is_reports_user(user)}

    return {"staff_nav": SimpleLazyObject(flags)}
