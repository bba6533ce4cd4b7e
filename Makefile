# foundry: `make demo` runs a CPU dataset generation, `make test` runs the test suite.
# Both install missing Debian packages first.

DEBIAN_PACKAGES := cmake g++ make pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev \
                   libyaml-cpp-dev libmuparser-dev libssl-dev libgtest-dev gnuplot-nox \
                   libdnnl-dev libeigen3-dev
# Only the tests need these (the report page is checked in headless Chromium; python3-venv makes
# the virtual environment of the Python tests; the bench scripts' dry runs run Python and read
# YAML; the fuzz targets of fuzz/ build with clang and its libFuzzer runtime, libclang-rt-dev);
# `make deps` installs them too.
TEST_PACKAGES := chromium python3 python3-venv python3-yaml clang libclang-rt-dev
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEMO_DIR ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)

PREFIX ?= /usr/local
# The Python tests' virtual environment (tests/python/requirements.txt, from PyPI).
VENV ?= .venv
PYTHON ?= python3

.PHONY: deps demo-deps build test demo clean bench-cpu device-bundle install venv

# Installs those of the packages $(1) that are missing.
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEBIAN_PACKAGES) $(TEST_PACKAGES))

demo-deps:
	$(call install_missing,$(DEBIAN_PACKAGES))

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOUNDRY_VENV=$(abspath $(VENV)) > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build venv
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# mlx (its CPU backend), mlx-lm, datasets and tokenizers for the test that
# trains on an export-sft dataset; made again when the requirements change.
venv: $(VENV)/requirements.txt

$(VENV)/requirements.txt: tests/python/requirements.txt | deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r tests/python/requirements.txt
	cp tests/python/requirements.txt $@

# Builds only the CLI (a unity build: its first build costs about 150 s of CPU, against
# 380 s file by file), records a small CPU session (four ops, bf16 decode shapes, two
# variants per case: the plain template and the fast one) and writes its report.
demo: demo-deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFOUNDRY_UNITY_BUILD=ON > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS) --target foundry
	$(BUILD_DIR)/foundry run --ops rmsnorm softmax swiglu rope --n-per-case 2 --shapes decode --dtypes bf16 \
	  --session-dir $(DEMO_DIR)
	$(BUILD_DIR)/foundry report $(DEMO_DIR)

# The CLI into $(DESTDIR)$(PREFIX)/bin and its templates into
# $(DESTDIR)$(PREFIX)/share/foundry/templates, where it finds them from any directory.
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/foundry
	install -m 755 $(BUILD_DIR)/foundry $(DESTDIR)$(PREFIX)/bin/foundry
	rm -rf $(DESTDIR)$(PREFIX)/share/foundry/templates
	cp -r templates $(DESTDIR)$(PREFIX)/share/foundry/templates

# foundry's best CPU variants against oneDNN and Eigen (BENCH_ARGS: e.g. -n 6 --rounds 2).
bench-cpu:
	bench/cpu_peers.sh $(BENCH_ARGS)

# The CLI, the test binary and the shared libraries they need beyond glibc, in
# .device/ (templates/ beside the CLI, so it runs from any directory), for a GPU machine that has the NVIDIA driver and CUDA but not
# foundry's build dependencies: run them there as LD_LIBRARY_PATH=.device/lib
# .device/foundry, and the GPU tests as FOUNDRY_TEST_BINARY=.device/foundry
# FOUNDRY_TEST_DIR=tests .device/foundry_tests --gtest_filter='Cuda*'.
device-bundle: build
	rm -rf .device && mkdir -p .device/lib
	cp $(BUILD_DIR)/foundry .device/foundry && strip .device/foundry
	cp $(BUILD_DIR)/tests/foundry_tests .device/foundry_tests && strip .device/foundry_tests
	cp -r templates .device/templates
	ldd $(BUILD_DIR)/foundry $(BUILD_DIR)/tests/foundry_tests | awk '/=> \// {print $$3}' | sort -u | \
	  grep -v -E 'lib(c|m|pthread|dl|rt)\.so' | xargs -I{} cp -L {} .device/lib/

clean:
	rm -rf $(BUILD_DIR)
