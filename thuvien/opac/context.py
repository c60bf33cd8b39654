from django.conf import settings


def site(request):
    """Add what every page needs: the site URL and the language choices."""
    return {"SITE_URL": settings.SITE_URL, "LANGUAGES": settings.LANGUAGES}
