# voxc — GNU make build. `make` builds the library and tools, `make test` runs
# every Check suite, `make asan` runs them under ASan/UBSan, `make demo` runs
# the main job. `make help` lists every target.

CC      ?= cc
BUILD   ?= build
SAN     ?=
OPT     ?= -O2
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS  ?= $(OPT) -g
CFLAGS  += $(CSTD) $(WARN) -fPIC -I. -pthread
LDLIBS  := -lm -pthread

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Optional system libraries, found through pkg-config (installed by `make deps`).
PKGS      := sndfile espeak-ng
HAVE_PKG   = $(shell pkg-config --exists $(1) 2>/dev/null && echo 1)
LDLIBS    += $(foreach p,$(PKGS),$(if $(call HAVE_PKG,$(p)),$(shell pkg-config --libs $(p))))
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)

LIB_DIRS := core nn audio text models train quant hw
LIB_SRC  := $(sort $(shell find $(LIB_DIRS) -name '*.c' 2>/dev/null))
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_SRC := $(sort $(wildcard tools/*.c))
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/voxc-%)
TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(BUILD)/tests/voxc-tests
SUITES_H := $(BUILD)/tests/suites.h

# --- aarch64 cross build ------------------------------------------------------
# NEON kernels (*_neon.c) build on aarch64 only. `make ARCH=aarch64` cross-
# compiles the library (not the tools) with aarch64-linux-gnu-gcc into
# build/aarch64; nothing runs. Headers of the optional system libraries
# come from the host's /usr/include after the cross compiler's own.
ifeq ($(ARCH),aarch64)
CC      := aarch64-linux-gnu-gcc
CFLAGS  += -idirafter /usr/include
LDLIBS  := -lm -pthread
LIB_SRC := $(filter-out %_avx2.c %_avx512.c,$(LIB_SRC))
ifneq ($(origin BUILD),command line)
BUILD   := build/aarch64
endif
TOOLS   :=
endif
ifneq ($(or $(ARCH),$(shell uname -m)),aarch64)
LIB_SRC := $(filter-out %_neon.c,$(LIB_SRC))
endif

.PHONY: all lib tools deps test test-run asan demo voice corpus clean help features fuzz fuzz-run
.DEFAULT_GOAL := all

all: features lib tools

lib: $(BUILD)/libvoxc.a $(BUILD)/libvoxc.so
tools: $(TOOLS)

# Print what this machine offers (✓/✗), once per top-level make.
features:
	@sh .ci/features.sh "$(CC)"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS_$(findstring tests/,$<)) -MMD -MP -c $< -o $@

CHECK_CFLAGS_tests/ = $(CHECK_CFLAGS) -I$(BUILD)/tests

# SIMD kernels are compiled for their instruction set only; callers dispatch by cpuid.
ifneq ($(filter x86_64 amd64,$(shell uname -m)),)
$(BUILD)/obj/%_avx2.o: CFLAGS += -mavx2 -mfma
$(BUILD)/obj/%_avx512.o: CFLAGS += -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma
else
LIB_SRC := $(filter-out %_avx2.c %_avx512.c,$(LIB_SRC))
endif

$(BUILD)/libvoxc.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvoxc.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/voxc-%: tools/%.c $(BUILD)/libvoxc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libvoxc.a $(LDLIBS)

# The test runner finds every `Suite *suite_NAME(void)` in tests/*.c.
$(SUITES_H): $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*suite_[a-z0-9_]*(void)' $(TEST_SRC) | sed 's/^Suite \*\(suite_[a-z0-9_]*\)(void)/VX_SUITE(\1)/' > $@.tmp
	@mv $@.tmp $@

# ...and every `const gc_case gc_cases_NAME[]` gradient-check table.
GC_TABLES_H := $(BUILD)/tests/gc_tables.h
$(GC_TABLES_H): $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^const gc_case gc_cases_[a-z0-9_]*\[\]' $(TEST_SRC) | sed 's/^const gc_case \(gc_cases_[a-z0-9_]*\).*/VX_GC_TABLE(\1)/' > $@.tmp
	@mv $@.tmp $@

$(TEST_OBJ): $(SUITES_H) $(GC_TABLES_H)

$(TEST_BIN): $(TEST_OBJ) $(BUILD)/libvoxc.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/libvoxc.a $(CHECK_LIBS) $(LDLIBS)

# Installs missing Debian packages (root, or through sudo).
deps:
	@sh .ci/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-run

# Runs the suites from the repository root (fixtures are under tests/data).
test-run: $(TEST_BIN) $(TOOLS)
	@CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-300} VOXC_BIN=$(BUILD)/bin ./$(TEST_BIN)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT=-O1 lib tools test-run

# Fetches the default voice (en_US-joe-medium, pinned and hash-checked) into data/voices/.
voice:
	@sh data/fetch_voice.sh

# A 1.1-hour training corpus spoken by the default voice (voxc-distill; ~15 min on 2 cores):
# LJSpeech layout with phoneme ids, durations and a feature cache, in data/corpus/joe/.
# Interrupted runs resume.
corpus: deps all voice
	@$(BUILD)/bin/voxc-distill -m data/voices/en_US-joe-medium.onnx --texts data/texts/ljspeech-first800.txt \
	    --limit 760 -o data/corpus/joe

# The main job: the sample product review spoken with the default Piper voice into out/review/.
demo: deps all voice
	@$(BUILD)/bin/voxc-reviews data/texts/product-review-macbook-air.txt \
	    -m data/voices/en_US-joe-medium.onnx -o out/review

# libFuzzer targets (clang + libclang-rt-14-dev): `make fuzz` builds them,
# `make fuzz-run FUZZ_SECONDS=300` runs each for that long on its seed corpus.
FUZZ_DIR     := build/fuzz
FUZZ_FLAGS   := -g -O1 -std=c11 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 300
fuzz:
	@mkdir -p $(FUZZ_DIR)/corpus-safetensors $(FUZZ_DIR)/corpus-onnx $(FUZZ_DIR)/corpus-text
	clang $(FUZZ_FLAGS) tests/fuzz/fuzz_safetensors.c core/json.c core/status.c core/dtype.c \
	    core/tensor.c core/ctx.c core/rng.c nn/safetensors.c nn/safetensors_write.c -lm -pthread \
	    -o $(FUZZ_DIR)/fuzz_safetensors
	clang $(FUZZ_FLAGS) tests/fuzz/fuzz_onnx.c models/onnx.c models/piper_import.c core/json.c \
	    core/status.c -lm -o $(FUZZ_DIR)/fuzz_onnx
	clang $(FUZZ_FLAGS) tests/fuzz/fuzz_text.c text/[a-z]*.c core/status.c core/json.c core/sbuf.c \
	    -lespeak-ng -lm -pthread -o $(FUZZ_DIR)/fuzz_text

fuzz-run: fuzz
	$(FUZZ_DIR)/fuzz_safetensors -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    $(FUZZ_DIR)/corpus-safetensors tests/data/safetensors tests/data/safetensors/bad
	$(FUZZ_DIR)/fuzz_onnx -max_total_time=$(FUZZ_SECONDS) -max_len=300000 -rss_limit_mb=2048 \
	    -timeout=20 $(FUZZ_DIR)/corpus-onnx tests/data/onnx
	cp data/texts/product-review-macbook-air.txt $(FUZZ_DIR)/corpus-text/
	$(FUZZ_DIR)/fuzz_text -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(FUZZ_DIR)/corpus-text

clean:
	rm -rf $(BUILD)

help:
	@echo "make            build build/libvoxc.{a,so} and build/bin/voxc-*"
	@echo "make deps       install missing Debian packages (libsndfile, check, espeak-ng, OpenCL)"
	@echo "make test       deps + build + every Check suite"
	@echo "make asan       the suites under -fsanitize=address,undefined"
	@echo "make CC=clang   build with clang"
	@echo "make voice      fetch the default Piper voice into data/voices/"
	@echo "make demo       set up and run the main job"
	@echo "make corpus     distil a 1.1-hour training corpus from the voice into data/corpus/joe/"
	@echo "make CUDA=1     also build the CUDA kernels (nvcc) into build/libvoxc_cuda.so"
	@echo "make test-cuda  the backend parity suite on the CUDA GPU (says so when there is none)"
	@echo "make fuzz       build the libFuzzer targets (clang); make fuzz-run FUZZ_SECONDS=300 runs them"
	@echo "make clean      remove build/"

include hw/cuda/cuda.mk

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
