# Two commands (README): `make run` and `make test`. Both set everything up on a fresh machine.
PY := .venv/bin/python
DEFAULT_DB := data/mcu.duckdb
DB ?= $(or $(MCU_DB),$(DEFAULT_DB))
PORT ?= 8501
# The address to listen on: this machine only, unless asked (MCU_LISTEN=0.0.0.0 make run; README «Доступ по сети»).
LISTEN ?= $(or $(MCU_LISTEN),127.0.0.1)

.PHONY: run test setup demo bench clean

.venv/.installed: requirements.txt
	python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: .venv/.installed

# The demo belongs only in the default database: any other MCU_DB starts empty, with an upload prompt.
ifeq ($(abspath $(DB)),$(abspath $(DEFAULT_DB)))
$(DB): | .venv/.installed
	$(PY) -m etl demo --db $(DB)
RUN_DB := $(DB)
endif

demo: .venv/.installed
	$(PY) -m etl demo --db $(DEFAULT_DB)

run: .venv/.installed $(RUN_DB)
	MCU_DB=$(DB) $(PY) -m mcu.serve --server.port $(PORT) --server.address $(LISTEN)

test: .venv/.installed
	@if [ -x /usr/bin/chromium ]; then echo "Браузерные тесты будут выполнены: /usr/bin/chromium найден."; fi
	$(PY) -m pytest -q tests
	@if [ ! -x /usr/bin/chromium ]; then echo "ВНИМАНИЕ: /usr/bin/chromium не найден — браузерные тесты пропущены. Установите: apt-get install -y chromium"; fi

bench: .venv/.installed
	$(PY) -m bench

clean:
	rm -rf .venv .pytest_cache tests/artifacts
