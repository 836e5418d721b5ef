# hw/cuda/cuda.mk — the CUDA part of the build, included by the Makefile.
#
# `make CUDA=1` also compiles the CUDA C kernels (hw/cuda/*.cu) with nvcc
# into $(BUILD)/libvoxc_cuda.so, which the cuda backend (hw/cuda/*.c, part
# of every build, plain C) loads with dlopen at run time next to libcudart.
# A build without CUDA=1 never runs nvcc; its cuda backend reports "CUDA not
# available" and every op stays on the other backends.
#
#   NVCC       the compiler (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc)
#   CUDA_ARCH  compute capabilities to build for, e.g. "80 90" (default: those
#              of the GPUs nvidia-smi reports; sm_80 and sm_90 when there is none)
#
# `make test-cuda` runs the backend parity suite (tests/test_backend_ops.c)
# against the cuda backend on this machine's GPU, then the cuBLAS-peer suite
# (tests/test_cublas_peer.c); without a GPU it says so and succeeds without
# building anything.

VX_CUDA_MK := $(lastword $(MAKEFILE_LIST))

ifndef VX_CUDA_MK_INCLUDED
VX_CUDA_MK_INCLUDED := 1

.PHONY: test-cuda cuda-kernels

CUDA_SRC := $(sort $(wildcard hw/cuda/*.cu))
CUDA_OBJ := $(CUDA_SRC:%.cu=$(BUILD)/obj/%.cu.o)
CUDA_LIB := $(BUILD)/libvoxc_cuda.so

# `nvidia-smi ... compute_cap` prints one "9.0" line per GPU (nothing, or an
# error, without a GPU or driver).
CUDA_GPU_CAPS = $(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | \
                  grep -E '^[0-9]+\.[0-9]+$$' | tr -d . | sort -u)

ifeq ($(CUDA),1)
NVCC ?= $(or $(shell command -v nvcc 2>/dev/null),$(wildcard /usr/local/cuda/bin/nvcc))
ifeq ($(strip $(NVCC)),)
$(error CUDA=1: nvcc not found on PATH or in /usr/local/cuda/bin; install the CUDA toolkit or set NVCC=/path/to/nvcc)
endif
ifndef CUDA_ARCH
CUDA_ARCH := $(or $(CUDA_GPU_CAPS),80 90)
endif
NVCC_GENCODE := $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(a),code=sm_$(a))
NVCC_FLAGS ?= -O2 -lineinfo
NVCC_FLAGS += -std=c++17 -I. $(NVCC_GENCODE) -Werror all-warnings \
              -Xcompiler -fPIC,-fvisibility=hidden,-Wall,-Wextra,-Werror,-Wshadow,-Wno-unused-parameter

lib: $(CUDA_LIB)
cuda-kernels: $(CUDA_LIB)

# The arch list is recorded in a file rewritten only when it changes, so
# switching CUDA_ARCH (or GPUs) rebuilds the kernels.
CUDA_ARCH_FILE := $(BUILD)/obj/hw/cuda/arch.txt
$(shell mkdir -p $(dir $(CUDA_ARCH_FILE)); [ "$$(cat $(CUDA_ARCH_FILE) 2>/dev/null)" = "$(strip $(CUDA_ARCH))" ] || \
        echo "$(strip $(CUDA_ARCH))" > $(CUDA_ARCH_FILE))

$(BUILD)/obj/%.cu.o: %.cu $(CUDA_ARCH_FILE)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_FLAGS) -MMD -MP -c $< -o $@

# -cudart shared: the kernels use the same libcudart.so the backend dlopens
# (one runtime, one context, its stream and allocations valid in both).
$(CUDA_LIB): $(CUDA_OBJ)
	$(NVCC) -shared $(NVCC_GENCODE) -cudart shared -o $@ $^

-include $(CUDA_OBJ:.o=.d)
endif

# Runs the backend_ops suite and requires that it ran the cuda backend (the
# suite prints "cuda backend on <device>" when cuda starts), then the
# cublas_peer suite (cuBLAS as voxc-opbench's peer; skipped without libcublas).
test-cuda:
	@if [ -z "$(strip $(CUDA_GPU_CAPS))" ]; then \
	    echo "no CUDA GPU present: the CUDA parity tests were skipped"; \
	else \
	    $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -f $(VX_CUDA_MK) CUDA=1 \
	        lib tools $(TEST_BIN) && \
	    { CK_RUN_SUITE=backend_ops CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-300} \
	        VOXC_BIN=$(BUILD)/bin VOXC_CUDA_KERNELS=$(abspath $(CUDA_LIB)) ./$(TEST_BIN) \
	        > $(BUILD)/test-cuda.log 2>&1; rc=$$?; cat $(BUILD)/test-cuda.log; \
	      [ $$rc -eq 0 ] || exit $$rc; \
	      grep -q "cuda backend on" $(BUILD)/test-cuda.log || \
	      { echo "test-cuda: the parity suite did not run the cuda backend (is it registered in hw/backend.c? see hw/cuda/README.md)"; exit 1; }; } && \
	    CK_RUN_SUITE=cublas_peer VOXC_BIN=$(BUILD)/bin VOXC_CUDA_KERNELS=$(abspath $(CUDA_LIB)) \
	        ./$(TEST_BIN); \
	fi
endif
