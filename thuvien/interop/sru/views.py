"""SRU 1.2 and 2.0 at /sru (being built: see issue 5)."""

from django.http import HttpResponse


def sru(request):
    return HttpResponse(status=501)
