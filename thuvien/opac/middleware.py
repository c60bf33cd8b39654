from django.conf import settings
from django.utils import translation


class VietnameseFirstLocaleMiddleware:
    """Activate the language the visitor chose (cookie), else Vietnamese — never the browser's guess.

    Readers on borrowed or English-configured phones still get the Vietnamese site; the switch in
    the header sets the cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
