# Thin entry point over CMake. The two commands a new user needs:
#   make experiments   installs what is missing, builds, runs the main job (< 15 min on 2 cores)
#   make study         the same with the full tuning budget (50 trials on every dataset)
#   make test          installs what is missing, builds, runs every test suite
# Other targets: make (Release build into build/; with MPI when found), make sanitize
# (ASan+UBSan build without MPI and its unit tests in build-asan/), make fuzz (libFuzzer targets built with clang in build-fuzz/, each run
# FUZZ_SECONDS on a scratch copy of its seed corpus), make deps, make clean.

BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Real datasets: ../shared/data when present (override with SBR_DATA=/path), else data/raw.
# Made absolute, because the tests run from inside the build folder.
SBR_DATA    ?= $(if $(wildcard ../shared/data),../shared/data,data/raw)
override SBR_DATA := $(abspath $(SBR_DATA))
export SBR_DATA

.PHONY: all deps test sanitize fuzz experiments study paper golden clean

all: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

deps:
	@sh .ci/deps.sh

test: deps
	$(MAKE) all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSBR_SANITIZE=ON -DSBR_MPI=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# One target at a time, single job: the machine is shared. FUZZ_TARGETS picks some targets.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSBR_FUZZ=ON \
	    -DBUILD_TESTING=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) --target sbr_fuzz -j $(JOBS)
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

experiments: deps
	$(MAKE) all
	sh experiments/run.sh

study: deps
	$(MAKE) all
	TUNE_TRIALS=50 TUNE_DATASETS=all sh experiments/run.sh

paper:
	sh paper/build.sh results

golden: deps
	$(MAKE) all
	sh tests/test_golden.sh $(BUILD)/sbr . --update

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
