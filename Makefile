# Two commands (README): `make run` and `make test`. Both set everything up on a fresh machine.
PY := .venv/bin/python
DB ?= $(or $(MCU_DB),data/mcu.duckdb)
PORT ?= 8501
# The address to listen on: this machine only, unless asked (MCU_LISTEN=0.0.0.0 make run; README «Доступ по сети»).
LISTEN ?= $(or $(MCU_LISTEN),127.0.0.1)

.PHONY: run test setup demo bench clean

.venv/.installed: requirements.txt
	python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: .venv/.installed

$(DB): | .venv/.installed
	$(PY) -m etl demo --db $(DB)

demo: .venv/.installed
	$(PY) -m etl demo --db $(DB)

run: .venv/.installed $(DB)
	MCU_DB=$(DB) $(PY) -m mcu.serve --server.port $(PORT) --server.address $(LISTEN)

test: .venv/.installed
	@if [ -x /usr/bin/chromium ]; then echo "Браузерные тесты будут выполнены: /usr/bin/chromium найден."; fi
	$(PY) -m pytest -q tests
	@if [ ! -x /usr/bin/chromium ]; then echo "ВНИМАНИЕ: /usr/bin/chromium не найден — браузерные тесты пропущены. Установите: apt-get install -y chromium"; fi

bench: .venv/.installed
	$(PY) -m bench

clean:
	rm -rf .venv .pytest_cache tests/artifacts
