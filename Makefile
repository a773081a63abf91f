# Set up, build, run and test the feedback service. `make run` and `make test` are the two
# commands in README.md; the other targets are their steps. Re-running is cheap: each step is
# skipped while its inputs are unchanged (stamp files under build/).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

VENV := .venv
BIN := $(VENV)/bin
STAMPS := build/stamps
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
POSTGRES := /usr/lib/postgresql/15/bin/postgres
CLAMD := /usr/sbin/clamd
EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
DEJAVU_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
FORM_PORT ?= 5000
SITE_PORT ?= 8000
# The demo's message catcher (forms_app/demo/catcher.py): its page and Notify stand-in, and
# its SMTP port for settings that send email through SMTP.
MESSAGES_PORT ?= 8025
MESSAGES_SMTP_PORT ?= 8026
PYTEST_ARGS ?=
# The asset build can be overridden, for example:
#   make assets BUILD_ASSETS='.venv/bin/python -m forms_app.organisation.branding'
BUILD_ASSETS ?= $(BIN)/feedback build-assets

# The settings file in force, as forms_app/organisation/settings.py chooses it.
SETTINGS_FILE := $(or $(FORMS_APP_SETTINGS),$(wildcard instance/settings.yaml),config/settings.example.yaml)
NODE_MODULES := assets/node_modules/.package-lock.json
# The OpenID provider the single sign-on tests start (npm package oidc-provider).
OIDC_MODULES := tests/support/oidc/node_modules/.package-lock.json
APP_CSS := forms_app/static/app.css
SITE_INDEX := build/site/index.html
# Everything under site/, directories included (a deleted page changes its directory).
SITE_SOURCES := site/. $(shell find site -mindepth 1 -print 2>/dev/null)

export NO_MKDOCS_2_WARNING := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: help venv chromium nginx clamav postgresql fonts assets oidc translations messages site demo run test test-nightly bench lint clean distclean \
	stack stack-down lock

help:
	@echo "make run      set everything up, then serve the form app (http://127.0.0.1:$(FORM_PORT)/)"
	@echo "              and the published site (http://127.0.0.1:$(SITE_PORT)/), with the messages"
	@echo "              that would have been sent at http://127.0.0.1:$(MESSAGES_PORT)/; Ctrl-C stops all"
	@echo "make test     set everything up (Chromium included), then run the tests"
	@echo "              in parallel (PYTEST_ARGS='-k site -x' passes options to pytest;"
	@echo "              TEST_WORKERS=0 runs them in one process)"
	@echo "make stack    build the container image and start the production stack: forms and staff"
	@echo "              pages at https://127.0.0.1:8443/, the site at https://127.0.0.1:8444/"
	@echo "              (trust build/stack/ca.pem); make stack-down stops it"
	@echo "make lock     regenerate requirements/*.txt (hashed pins) from pyproject.toml"
	@echo "steps:        venv chromium nginx clamav postgresql fonts assets oidc site demo lint clean distclean"

# Python ----------------------------------------------------------------------------------------

venv: $(STAMPS)/venv

# pyvenv.cfg is a real file written once when the virtualenv is made (bin/python is a symlink
# whose date is the system Python's).
$(VENV)/pyvenv.cfg:
	python3 -m venv $(VENV)

# From the lock (requirements/, `make lock`): every package at its pinned version with its hash
# checked, pip and setuptools current; then this project itself, which adds nothing new.
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
$(STAMPS)/venv: pyproject.toml requirements/bootstrap.txt requirements/dev.txt $(VENV)/pyvenv.cfg
	$(PIP) --require-hashes -r requirements/bootstrap.txt
	$(PIP) --require-hashes -r requirements/dev.txt
	$(PIP) --no-deps --no-build-isolation -e .
	@mkdir -p $(@D) && touch $@

# Chromium for the browser tests (Debian's package: Playwright cannot download browsers here) ---

chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	echo "Installing Debian's chromium (apt-get)"; \
	$$sudo apt-get update; \
	$$sudo apt-get install -y chromium; \
	test -x $(CHROMIUM) || { echo "error: $(CHROMIUM) is still missing after apt-get install" >&2; exit 1; }

# nginx for the HTTPS tests (Debian's package): they run it with a configuration, ports and
# folders of their own, so the nginx the package may start on port 80 is not needed: stopped.
nginx:
	@if [ -x $(NGINX) ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	echo "Installing Debian's nginx (apt-get)"; \
	$$sudo apt-get update; \
	$$sudo apt-get install -y nginx; \
	test -x $(NGINX) || { echo "error: $(NGINX) is still missing after apt-get install" >&2; exit 1; }; \
	$$sudo service nginx stop >/dev/null 2>&1 || true

# ClamAV's daemon for the evidence tests (Debian's clamav-daemon): they start their own clamd with
# a socket, configuration and signature file of their own (tests/support/clamd.py), so the
# package's own services, and freshclam (its mirror cannot be reached here), are stopped.
clamav:
	@if [ -x $(CLAMD) ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	echo "Installing Debian's clamav-daemon (apt-get)"; \
	$$sudo apt-get update; \
	$$sudo apt-get install -y clamav-daemon; \
	test -x $(CLAMD) || { echo "error: $(CLAMD) is still missing after apt-get install" >&2; exit 1; }; \
	$$sudo service clamav-daemon stop >/dev/null 2>&1 || true; \
	$$sudo service clamav-freshclam stop >/dev/null 2>&1 || true

# PostgreSQL for the store's tests on the database engine (Debian's postgresql): they run their
# own server as the postgres user, with a data directory, socket and port of their own
# (tests/support/postgres.py), so the cluster the package makes and starts is stopped.
postgresql:
	@if [ -x $(POSTGRES) ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	echo "Installing Debian's postgresql (apt-get)"; \
	$$sudo apt-get update; \
	$$sudo apt-get install -y postgresql; \
	test -x $(POSTGRES) || { echo "error: $(POSTGRES) is still missing after apt-get install" >&2; exit 1; }; \
	$$sudo service postgresql stop >/dev/null 2>&1 || true

# Fonts for the letter and leaflet PDFs (Debian's packages; WeasyPrint finds them through
# fontconfig): DejaVu covers Welsh (ŵ, ŷ, â), Noto Color Emoji prints an emoji, not an empty box.
fonts:
	@if [ -f $(EMOJI_FONT) ] && [ -f $(DEJAVU_FONT) ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	echo "Installing Debian's fonts-noto-color-emoji and fonts-dejavu-core (apt-get)"; \
	$$sudo apt-get update; \
	$$sudo apt-get install -y fonts-noto-color-emoji fonts-dejavu-core; \
	test -f $(EMOJI_FONT) && test -f $(DEJAVU_FONT) || { echo "error: the fonts are still missing after apt-get install" >&2; exit 1; }

# Front-end assets: GOV.UK Frontend compiled with the organisation's colour and font ------------

assets: $(APP_CSS)

$(NODE_MODULES): assets/package.json assets/package-lock.json
	npm ci --prefix assets --ignore-scripts --no-audit --no-fund
	@touch $@

$(APP_CSS): $(NODE_MODULES) $(STAMPS)/venv $(SETTINGS_FILE) assets/app.scss assets/_image-urls.scss forms_app/organisation/branding.py
	$(BUILD_ASSETS)
	@touch $@

# A real OpenID provider for the single sign-on tests (tests/support/oidc/, run with node) -----

oidc: $(OIDC_MODULES)

$(OIDC_MODULES): tests/support/oidc/package.json tests/support/oidc/package-lock.json
	npm ci --prefix tests/support/oidc --ignore-scripts --no-audit --no-fund
	@touch $@

# Translations: the Welsh catalogue compiled for gettext (.po is the source, .mo is built) -----

MO_FILES := $(patsubst %.po,%.mo,$(wildcard forms_app/translations/*/LC_MESSAGES/messages.po))

translations: $(MO_FILES)

# After changing public words: extract them and merge into the Welsh catalogue for translation.
messages: $(STAMPS)/venv
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _ -k lazy_pgettext:1c,2 \
		--no-location --sort-output --omit-header -o forms_app/translations/messages.pot .
	$(BIN)/pybabel update -i forms_app/translations/messages.pot -d forms_app/translations \
		--no-fuzzy-matching

forms_app/translations/%/LC_MESSAGES/messages.mo: forms_app/translations/%/LC_MESSAGES/messages.po $(STAMPS)/venv
	$(BIN)/pybabel compile -i $< -o $@ -l $*

# The published site (MkDocs) -------------------------------------------------------------------
# One build makes both languages and prints the leaflet PDFs with WeasyPrint (forms_app/sitebuild/pdfs.py);
# the timescales come from the procedure profile the settings name.

site: $(SITE_INDEX)

$(SITE_INDEX): $(STAMPS)/venv mkdocs.yml $(wildcard forms_app/sitebuild/*.py) \
		$(wildcard forms_app/procedures/*.yaml) $(SETTINGS_FILE) $(SITE_SOURCES) | fonts
	$(BIN)/mkdocs build --strict --quiet
	@touch $@

# Demonstration data (only into an empty data directory) ----------------------------------------
# A data directory an earlier release made is upgraded first (the app will not start on it).

demo: venv
	$(BIN)/feedback migrate
	$(BIN)/feedback demo-data --if-empty

# Serve both, in the foreground; Ctrl-C (or either one stopping) stops both. Each server has its
# own control socket under build/ (gunicorn's default is one shared path in the home folder).

# Demo mode: plain HTTP on localhost (production is the default: forms_app/web/config.py). Make
# passes the variable on to the steps `run` sets up (demo data, site) and to both servers.
run: export FORMS_APP_ENV := demo
# Files added as evidence are scanned by a running clamd (Debian's socket, when there is one);
# otherwise the demo's explicit "no scanner" keeps them marked "not scanned" (never in production).
# The app and the message worker send to the catcher on the port it was started on.
run: export FORMS_APP_NOTIFY_URL := $(or $(FORMS_APP_NOTIFY_URL),http://127.0.0.1:$(MESSAGES_PORT))
run: export FORMS_APP_CLAMD := $(or $(FORMS_APP_CLAMD),$(wildcard /run/clamav/clamd.ctl),none)
run: venv fonts assets translations demo site
	@trap 'exit 130' INT TERM; \
	trap 'kill $$form $$site $$catcher $${messages:-} $${sheets:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT; \
	if $(BIN)/python -m forms_app.sheets.worker 2>/dev/null; then \
	  $(BIN)/feedback sheets sync & sheets=$$!; echo "Sheet sync:     running (feedback sheets status)"; \
	fi; \
	export NOTIFY_API_KEY="$$($(BIN)/python -c 'from forms_app.demo.notify_standin import DEMO_API_KEY; print(DEMO_API_KEY)')"; \
	$(BIN)/python -m forms_app.demo.catcher --port $(MESSAGES_PORT) --smtp-port $(MESSAGES_SMTP_PORT) >/dev/null & catcher=$$!; \
	if $(BIN)/python -m forms_app.cli.messages 2>/dev/null; then \
	  $(BIN)/feedback messages send & messages=$$!; \
	fi; \
	$(BIN)/gunicorn -w 2 --threads 4 -b 127.0.0.1:$(FORM_PORT) --control-socket build/form.ctl \
	  'forms_app:create_app()' & form=$$!; \
	$(BIN)/gunicorn -w 1 --threads 4 -b 127.0.0.1:$(SITE_PORT) --control-socket build/site.ctl \
	  'forms_app.sitebuild.server:create_site_app()' & site=$$!; \
	echo "Form app:       http://127.0.0.1:$(FORM_PORT)/"; \
	echo "Published site: http://127.0.0.1:$(SITE_PORT)/"; \
	echo "Messages sent:  http://127.0.0.1:$(MESSAGES_PORT)/ (caught here, not sent)"; \
	echo "Press Ctrl-C to stop them all."; \
	wait -n

# Benchmarks: ratios against baselines from the same run (bench/README.md) ---------------------

bench: venv fonts assets translations site
	$(BIN)/python -m bench

# The production stack on this machine (deploy/stack.sh): the image from deploy/Containerfile
# under podman, behind Debian's nginx with TLS. It installs podman, runc, mmdebstrap and nginx
# with apt-get when they are missing. The image is built from requirements/runtime.txt, not
# from the venv; the venv is only for building the styles, the Welsh catalogue and the site.

stack: venv assets translations site
	bash deploy/stack.sh up

stack-down:
	bash deploy/stack.sh down

# The dependency lock: requirements/runtime.txt (what the image installs), requirements/dev.txt
# (runtime and dev extras) and requirements/bootstrap.txt (current pip and setuptools for the
# image), each pin with its SHA-256 hashes, by uv in a throwaway venv of its own. Pins already
# in the files are kept unless pyproject.toml needs another; LOCK_ARGS=--upgrade moves every
# transitive dependency to its newest release.
LOCK_VENV := build/lock-venv
UV_VERSION := 0.13.8
LOCK_PYTHON := 3.11
LOCK_ARGS ?=
UV_COMPILE = $(LOCK_VENV)/bin/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) \
	--python-platform x86_64-manylinux_2_28 --custom-compile-command 'make lock'

$(LOCK_VENV)/bin/uv:
	python3 -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# UV_NATIVE_TLS: trust the system's certificates, as pip does (a proxy's CA may be among them).
lock: $(LOCK_VENV)/bin/uv
	UV_NATIVE_TLS=1 $(UV_COMPILE) $(LOCK_ARGS) pyproject.toml -o requirements/runtime.txt
	UV_NATIVE_TLS=1 $(UV_COMPILE) $(LOCK_ARGS) --extra dev pyproject.toml -o requirements/dev.txt
	UV_NATIVE_TLS=1 $(UV_COMPILE) --upgrade requirements/bootstrap.in -o requirements/bootstrap.txt

# Checks -----------------------------------------------------------------------------------------

# The tests run in parallel (pytest-xdist), one worker per core: each test file stays on one
# worker (--dist loadfile), so a file's shared fixtures (a site build, a signed-in world) are
# made once; the heaviest files start first (tests/conftest.py) so both workers finish together.
# TEST_WORKERS=0 runs them in this one process (for a debugger, or `-x` in order).
TEST_WORKERS ?= auto
PYTEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: venv chromium nginx clamav postgresql fonts assets oidc translations site
	$(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The reliability plan's nightly tier: the same tests with the larger counts (tests/support/tier.py).
test-nightly: venv chromium nginx clamav postgresql fonts assets oidc translations site
	FEEDBACK_TIER=nightly $(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Housekeeping -----------------------------------------------------------------------------------

# Build outputs only: live data (instance/) is never touched.
clean:
	rm -rf build assets/node_modules tests/support/oidc/node_modules forms_app/static/app.css forms_app/static/govuk \
		.pytest_cache .ruff_cache test-results

distclean: clean
	rm -rf $(VENV) *.egg-info
