# gameday — make targets. Every target that runs code first runs `setup` (idempotent, cached).
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/node_modules/.bin:$(PATH)
NODE := node --disable-warning=ExperimentalWarning

.PHONY: setup test gameday bench lint typecheck licences sbom clean help

help:
	@echo "make setup      install Node 24 (if needed), npm deps, the load engine (Go, on Vegeta), Toxiproxy, actionlint, Debian packages (redis, prometheus, alertmanager, chromium, wrk, postgresql-15, haproxy as a bench peer)"
	@echo "               and build dist/ (the compiled package; the checkout itself runs from src/)"
	@echo "make gameday    bring up the reference stack and run every bundled scenario (ci profile)"
	@echo "make test       run every test suite; ends with 'N passed, N failed'"
	@echo "make bench      run the benchmarks; results in bench/results/ and bench/README.md"
	@echo "make lint       biome check"
	@echo "make typecheck  tsc on the harness and on the example k6 script (for bring-your-own-k6 users)"
	@echo "make licences   the licence of every npm package and Go module it depends on (make test checks them too)"
	@echo "make sbom       regenerate sbom.cdx.json (CycloneDX, production packages of package-lock.json); the PRR checks it is current"
	@echo "make clean      remove reports, dist/ and local tools (the user build cache stays)"

# setup also builds dist/ (the compiled package; the repo itself runs from src/), only when src/ changed.
setup:
	@bash scripts/setup.sh
	@$(NODE) scripts/build.ts

test: setup
	@mkdir -p reports
	@rm -f reports/test-results.json
	@set +e; vitest run --reporter=default --reporter=json --outputFile.json=reports/test-results.json; rc=$$?; \
	  $(NODE) scripts/test-summary.ts reports/test-results.json; exit $$rc

gameday: setup
	@$(NODE) src/cli/main.ts run scenarios --profile ci

bench: setup
	@$(NODE) bench/run.ts

lint: setup
	@biome check .

typecheck: setup
	@tsc -p tsconfig.json --noEmit && tsc -p tsconfig.k6.json --noEmit

licences: setup
	@$(NODE) scripts/licences.ts

# npm lists every package of the lockfile; scripts/sbom.ts keeps the production ones (not --omit dev:
# npm/cli#7909) and rewrites sbom.cdx.json only when more than npm's timestamp and serial changed.
sbom: setup
	@set -o pipefail; npm sbom --sbom-format cyclonedx --package-lock-only | $(NODE) scripts/sbom.ts

clean:
	rm -rf reports/* .tools dist node_modules/.gameday-lock-sha
