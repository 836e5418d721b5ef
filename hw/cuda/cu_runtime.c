/* cu_runtime.c — libcudart and the kernel library loaded with dlopen, the
 * device, stream and timing events of the cuda backend. No CUDA header and
 * no CUDA library is needed to build or link this file; without them (or
 * without a GPU) vxcu_start fails with "CUDA not available: ...". */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/cuda/cu_runtime.h"

pthread_mutex_t vxcu_lock = PTHREAD_MUTEX_INITIALIZER;

static vxcu_runtime rt;
static bool started;
static vx_status start_status;
static char start_error[512];

vxcu_runtime *vxcu(void) { return &rt; }

vx_status vxcu_fail(const char *what, vxcu_error err)
{
    const char *name = rt.cu.GetErrorName ? rt.cu.GetErrorName(err) : "cudaError";
    const char *text = rt.cu.GetErrorString ? rt.cu.GetErrorString(err) : "";
    return vx_fail(VX_ERR_IO, "cuda: %s failed: %s (%d): %s", what, name ? name : "?", err,
                   text ? text : "");
}

vx_status vxcu_check(vxcu_error err, const char *what)
{
    return err == VXCU_SUCCESS ? VX_OK : vxcu_fail(what, err);
}

static vx_status unavailable(const char *fmt, const char *a, const char *b)
{
    char why[400];
    snprintf(why, sizeof why, fmt, a, b);
    return vx_fail(VX_ERR_UNSUPPORTED, "CUDA not available: %s", why);
}

static void *open_cudart(void)
{
    const char *env = getenv("VOXC_CUDA_LIBRARY");
    if (env && *env)
        return dlopen(env, RTLD_NOW | RTLD_GLOBAL);
    const char *names[] = {"libcudart.so.13", "libcudart.so.12", "libcudart.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (h)
            return h;
    }
    return NULL;
}

static bool load_api(void *lib, const char **missing)
{
    struct { const char *name; void **slot; } syms[] = {
#define SYM(f) {"cuda" #f, (void **)&rt.cu.f}
        SYM(GetDeviceCount), SYM(SetDevice), SYM(DeviceGetAttribute),
        SYM(Malloc), SYM(Free), SYM(MemcpyAsync), SYM(StreamCreateWithFlags),
        SYM(StreamSynchronize), SYM(EventCreate), SYM(EventRecord), SYM(EventSynchronize),
        SYM(EventElapsedTime), SYM(GetLastError), SYM(GetErrorName), SYM(GetErrorString),
#undef SYM
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
            *missing = syms[i].name;
            return false;
        }
    return true;
}

/* libvoxc_cuda.so in `dir` or its parent. */
static void *open_kernels_near(const char *file)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char path[4200];
    snprintf(path, sizeof path, "%s/libvoxc_cuda.so", dir);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(path, sizeof path, "%s/../libvoxc_cuda.so", dir);
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    return h;
}

static void *open_kernels(const char **tried)
{
    const char *env = getenv("VOXC_CUDA_KERNELS");
    if (env && *env) {
        *tried = env;
        return dlopen(env, RTLD_NOW | RTLD_LOCAL);
    }
    *tried = "libvoxc_cuda.so (next to the voxc binary or library, or on the loader path)";
    Dl_info info;
    void *h = NULL;
    if (dladdr((void *)vxcu_start, &info) && info.dli_fname)
        h = open_kernels_near(info.dli_fname);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!h && n > 0) {
        exe[n] = '\0';
        h = open_kernels_near(exe);
    }
    return h ? h : dlopen("libvoxc_cuda.so", RTLD_NOW | RTLD_LOCAL);
}

static vx_status start_device(void)
{
    vxcu_api *cu = &rt.cu;
    int count = 0;
    vxcu_error err = cu->GetDeviceCount(&count);
    if (err != VXCU_SUCCESS || count < 1)
        return unavailable("no CUDA GPU found (cudaGetDeviceCount: %s%s); a machine with an NVIDIA "
                           "GPU and its driver is needed",
                           err ? cu->GetErrorName(err) : "0 devices", "");
    const char *env = getenv("VOXC_CUDA_DEVICE");
    rt.device = env && *env ? atoi(env) : 0;
    if (rt.device < 0 || rt.device >= count) {
        char n[16];
        snprintf(n, sizeof n, "%d", count);
        return unavailable("VOXC_CUDA_DEVICE=%s is not a device index below %s", env, n);
    }
    if ((err = cu->SetDevice(rt.device)) || (err = cu->StreamCreateWithFlags(&rt.stream, VXCU_STREAM_NON_BLOCKING)) ||
        (err = cu->EventCreate(&rt.run_start)) || (err = cu->EventCreate(&rt.run_end)) ||
        (err = cu->Malloc((void **)&rt.bad_index, sizeof(int32_t))))
        return vxcu_fail("starting the device", err);
    return VX_OK;
}

static vx_status start_kernels(void)
{
    const char *tried = NULL;
    void *lib = open_kernels(&tried);
    const char *why = lib ? NULL : dlerror();
    if (!lib)
        return unavailable("the kernel library %s could not be loaded (%s); build it with `make "
                           "CUDA=1` or set VOXC_CUDA_KERNELS to its path", tried, why ? why : "not found");
    const vxcu_kernels *(*table)(void) = (const vxcu_kernels *(*)(void))dlsym(lib, "vxcu_kernels_table");
    if (!table || !(rt.k = table()) || rt.k->abi != VXCU_KERNELS_ABI) {
        rt.k = NULL;
        return unavailable("%s is not a voxc CUDA kernel library of this version (%s); rebuild it "
                           "with `make CUDA=1`", tried, table ? "ABI differs" : "no vxcu_kernels_table");
    }
    int major = 0, minor = 0;
    char name[128] = "?";
    rt.cu.DeviceGetAttribute(&major, VXCU_ATTR_COMPUTE_CAPABILITY_MAJOR, rt.device);
    rt.cu.DeviceGetAttribute(&minor, VXCU_ATTR_COMPUTE_CAPABILITY_MINOR, rt.device);
    rt.k->device_name(rt.device, name, sizeof name);
    snprintf(rt.device_name, sizeof rt.device_name, "%s (sm_%d%d)", name, major, minor);
    return VX_OK;
}

static vx_status start_once(void)
{
    void *lib = open_cudart();
    const char *why = lib ? NULL : dlerror();
    if (!lib)
        return unavailable("the CUDA runtime library could not be loaded (%s); install the CUDA "
                           "runtime (libcudart) or set VOXC_CUDA_LIBRARY to its path%s",
                           why ? why : "not found", "");
    const char *missing = NULL;
    if (!load_api(lib, &missing))
        return unavailable("the CUDA runtime library lacks %s%s; install CUDA 12 or newer", missing, "");
    vx_status st = start_device();
    return st ? st : start_kernels();
}

vx_status vxcu_start(void)
{
    if (!started) {
        started = true;
        start_status = start_once();
        if (start_status)
            snprintf(start_error, sizeof start_error, "%s", vx_last_error());
    }
    if (start_status)
        return vx_fail(start_status, "%s", start_error);
    return VX_OK;
}

vx_status vxcu_begin_run(void)
{
    rt.timed = false;
    return vxcu_check(rt.cu.EventRecord(rt.run_start, rt.stream), "cudaEventRecord");
}

vx_status vxcu_end_run(void)
{
    vx_status st = vxcu_check(rt.cu.EventRecord(rt.run_end, rt.stream), "cudaEventRecord");
    rt.timed = st == VX_OK;
    return st;
}

double vxcu_run_ms(void)
{
    float ms = 0;
    if (!rt.timed || rt.cu.EventSynchronize(rt.run_end) ||
        rt.cu.EventElapsedTime(&ms, rt.run_start, rt.run_end))
        return -1;
    return ms;
}
