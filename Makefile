# The two commands of the README:
#   make demo   — set everything up, build the demo library network, serve it on http://127.0.0.1:8000/
#   make test   — set everything up and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.thuvien-installed

.PHONY: demo test lint install serve clean

$(STAMP): pyproject.toml package.json
	@# The digital library needs tesseract (with Vietnamese) and a free font; installed when we may.
	@if ! command -v tesseract >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing tesseract-ocr, tesseract-ocr-vie, fonts-dejavu-core (apt-get)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      tesseract-ocr tesseract-ocr-vie fonts-dejavu-core) >/tmp/thuvien-apt.log 2>&1 || echo "apt-get failed: see /tmp/thuvien-apt.log"; \
	  else echo "note: install tesseract-ocr, tesseract-ocr-vie and fonts-dejavu-core for OCR (see README)"; fi; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent; \
	 else echo "npm not found: pages work without htmx (suggestions off)"; fi
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/thuvien demo

serve: $(STAMP)
	$(BIN)/thuvien serve

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	THUVIEN_DATA_DIR=$$(mktemp -d) $(BIN)/thuvien makemigrations --check --dry-run
	@# The deployment checks, with the settings a production site sets (see docs/settings.md).
	THUVIEN_DATA_DIR=$$(mktemp -d) THUVIEN_SECRET_KEY=lint-$$(date +%s%N)-not-a-real-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	  THUVIEN_HTTPS=1 THUVIEN_SSL_REDIRECT=1 THUVIEN_HSTS_SECONDS=31536000 THUVIEN_HSTS_INCLUDE_SUBDOMAINS=1 \
	  THUVIEN_HSTS_PRELOAD=1 $(BIN)/thuvien check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules
