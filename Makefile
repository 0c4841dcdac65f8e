# GovPerf — see README.md. `make run` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUN_DEBS  := gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# Chromium for the browser tests; poppler-utils (pdftotext, pdffonts) to read generated PDFs.
TEST_DEBS := chromium poppler-utils

.PHONY: venv run test lint format messages sysdeps-run sysdeps-test bench clean

venv: $(VENV)/.built

$(VENV)/.built: requirements.txt requirements-dev.txt pyproject.toml
	$(MAKE) sysdeps-run
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(MAKE) messages
	touch $@

# Debian packages: installed only when missing, so an offline machine that has them is fine.
sysdeps-run:
	@missing=""; for p in $(RUN_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

sysdeps-test:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

messages:
	cd src/govperf && ../../$(BIN)/python -m django compilemessages --settings=govperf.settings -v 0

# Translations are compiled on every run and test, so that an updated .po is never served stale.
run: venv messages
	$(BIN)/govperf migrate --no-input -v 0
	$(BIN)/govperf demo
	PORT=$(PORT) $(BIN)/govperf run

test: venv messages sysdeps-test
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: venv
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var
