import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
application = get_wsgi_application()
# Django's long-lived objects (models, templates, URLs) are frozen out of the collector's full passes,
# which otherwise pause large pages (a reader with 300 loans) by tens of milliseconds at random.
gc.freeze()
