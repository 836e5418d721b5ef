/* cl_runtime.c — loading libOpenCL, choosing a device, building the kernel
 * programs and launching kernels with profiling events. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/autograd.h"
#include "hw/opencl/cl_runtime.h"
#include "hw/opencl/kernels.h"

pthread_mutex_t vxcl_lock = PTHREAD_MUTEX_INITIALIZER;

static vxcl_runtime rt;
static bool started;
static vx_status start_status;
static char start_error[512];
static vxcl_program programs[VXCL_FAMILY_COUNT];

#define MAX_KERNELS 32
static struct {
    vxcl_family family;
    const char *name;
    vxcl_kernel kernel;
} kernels[MAX_KERNELS];
static int n_kernels;

#define MAX_EVENTS 16
static vxcl_event events[MAX_EVENTS];
static int n_events;

vxcl_runtime *vxcl(void) { return &rt; }

const char *vxcl_error_name(vxcl_int err, char *buf, size_t n)
{
    static const struct { vxcl_int code; const char *name; } names[] = {
        {-1, "CL_DEVICE_NOT_FOUND"}, {-2, "CL_DEVICE_NOT_AVAILABLE"},
        {-3, "CL_COMPILER_NOT_AVAILABLE"}, {-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"},
        {-5, "CL_OUT_OF_RESOURCES"}, {-6, "CL_OUT_OF_HOST_MEMORY"},
        {-11, "CL_BUILD_PROGRAM_FAILURE"}, {-30, "CL_INVALID_VALUE"},
        {-33, "CL_INVALID_DEVICE"}, {-34, "CL_INVALID_CONTEXT"}, {-38, "CL_INVALID_MEM_OBJECT"},
        {-46, "CL_INVALID_KERNEL_NAME"}, {-48, "CL_INVALID_KERNEL"},
        {-49, "CL_INVALID_ARG_INDEX"}, {-50, "CL_INVALID_ARG_VALUE"},
        {-51, "CL_INVALID_ARG_SIZE"}, {-52, "CL_INVALID_KERNEL_ARGS"},
        {-54, "CL_INVALID_WORK_GROUP_SIZE"}, {-61, "CL_INVALID_BUFFER_SIZE"},
        {-63, "CL_INVALID_GLOBAL_WORK_SIZE"}, {-1001, "CL_PLATFORM_NOT_FOUND_KHR"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].code == err) {
            snprintf(buf, n, "%s (%d)", names[i].name, err);
            return buf;
        }
    snprintf(buf, n, "OpenCL error %d", err);
    return buf;
}

vx_status vxcl_fail(const char *what, vxcl_int err)
{
    char name[64];
    return vx_fail(err == -4 || err == -5 || err == -6 || err == -61 ? VX_ERR_OOM : VX_ERR_UNSUPPORTED,
                   "opencl: %s failed: %s", what, vxcl_error_name(err, name, sizeof name));
}

/* --- start-up -------------------------------------------------------------------- */

static vx_status unavailable(const char *fmt, const char *detail)
{
    char msg[400];
    snprintf(msg, sizeof msg, fmt, detail);
    return vx_fail(VX_ERR_UNSUPPORTED, "OpenCL not available: %s", msg);
}

/* $VOXC_OPENCL_LIBRARY (a path or soname), else libOpenCL.so.1, else libOpenCL.so. */
static vx_status load_api(void)
{
    const char *chosen = getenv("VOXC_OPENCL_LIBRARY");
    void *lib = chosen && *chosen ? dlopen(chosen, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!(chosen && *chosen) && !(lib = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL)))
        lib = dlopen("libOpenCL.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return unavailable("cannot load the OpenCL library (%s); install an ICD loader and a "
                           "driver, e.g. apt-get install ocl-icd-libopencl1 pocl-opencl-icd", dlerror());
    static const char *const names[] = {
        "clGetPlatformIDs", "clGetPlatformInfo", "clGetDeviceIDs", "clGetDeviceInfo",
        "clCreateContext", "clReleaseContext", "clCreateCommandQueue", "clReleaseCommandQueue",
        "clCreateBuffer", "clReleaseMemObject", "clEnqueueWriteBuffer", "clEnqueueReadBuffer",
        "clCreateProgramWithSource", "clBuildProgram", "clGetProgramBuildInfo", "clReleaseProgram",
        "clCreateKernel", "clReleaseKernel", "clSetKernelArg", "clEnqueueNDRangeKernel", "clFinish",
        "clWaitForEvents", "clGetEventProfilingInfo", "clReleaseEvent",
    };
    _Static_assert(sizeof names / sizeof *names * sizeof(void (*)(void)) == sizeof(vxcl_api),
                   "one name per vxcl_api entry, in order");
    void (**slot)(void) = (void (**)(void))&rt.cl;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *f = dlsym(lib, names[i]);
        if (!f)
            return unavailable("libOpenCL lacks %s (an OpenCL 1.2 loader is needed)", names[i]);
        memcpy(&slot[i], &f, sizeof f);
    }
    return VX_OK;
}

typedef struct device_entry {
    vxcl_platform_id platform;
    vxcl_device_id device;
    bool gpu;
    char name[168]; /* "platform: device" */
} device_entry;

#define MAX_DEVICES 32

static int list_devices(device_entry *out)
{
    vxcl_platform_id plats[8];
    vxcl_uint n_plats = 0;
    if (rt.cl.GetPlatformIDs(8, plats, &n_plats) != VXCL_SUCCESS)
        return 0;
    int n = 0;
    for (vxcl_uint p = 0; p < n_plats && p < 8; p++) {
        char pname[64] = ""; /* 63 + ": " + 95 + NUL fits device_entry.name */
        rt.cl.GetPlatformInfo(plats[p], VXCL_PLATFORM_NAME, sizeof pname - 1, pname, NULL);
        vxcl_device_id devs[8];
        vxcl_uint n_devs = 0;
        if (rt.cl.GetDeviceIDs(plats[p], VXCL_DEVICE_TYPE_ALL, 8, devs, &n_devs) != VXCL_SUCCESS)
            continue;
        for (vxcl_uint d = 0; d < n_devs && d < 8 && n < MAX_DEVICES; d++, n++) {
            char dname[96] = "";
            vxcl_bitfield type = 0;
            rt.cl.GetDeviceInfo(devs[d], VXCL_DEVICE_NAME, sizeof dname - 1, dname, NULL);
            rt.cl.GetDeviceInfo(devs[d], VXCL_DEVICE_TYPE, sizeof type, &type, NULL);
            out[n] = (device_entry){plats[p], devs[d], (type & VXCL_DEVICE_TYPE_GPU) != 0, ""};
            snprintf(out[n].name, sizeof out[n].name, "%s: %s", pname, dname);
        }
    }
    return n;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return n == 0;
}

/* The device $VOXC_OPENCL_DEVICE names, else the first GPU, else device 0. */
static int choose_device(const device_entry *devs, int n)
{
    const char *want = getenv("VOXC_OPENCL_DEVICE");
    if (want && *want) {
        char *end;
        long idx = strtol(want, &end, 10);
        if (!*end)
            return idx >= 0 && idx < n ? (int)idx : -1;
        for (int i = 0; i < n; i++)
            if (contains_nocase(devs[i].name, want))
                return i;
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (devs[i].gpu)
            return i;
    return 0;
}

static vx_status open_device(void)
{
    device_entry devs[MAX_DEVICES];
    int n = list_devices(devs);
    if (n == 0)
        return unavailable("no OpenCL platform or device found (%s)",
                           "is an ICD such as pocl-opencl-icd installed under /etc/OpenCL/vendors?");
    int k = choose_device(devs, n);
    if (k < 0) {
        char list[300] = "";
        for (int i = 0; i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d = %s", i ? "; " : "", i,
                     devs[i].name);
        return unavailable("VOXC_OPENCL_DEVICE matches no device; devices: %s", list);
    }
    rt.device = devs[k].device;
    snprintf(rt.device_name, sizeof rt.device_name, "%s", devs[k].name);
    rt.cl.GetDeviceInfo(rt.device, VXCL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof rt.max_group,
                        &rt.max_group, NULL);
    rt.cl.GetDeviceInfo(rt.device, VXCL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof rt.max_alloc,
                        &rt.max_alloc, NULL);
    if (rt.max_group < VXCL_TILE * VXCL_TILE)
        return unavailable("device %s allows work-groups smaller than the 256 items voxc's "
                           "kernels use", rt.device_name);
    vxcl_context_properties props[] = {VXCL_CONTEXT_PLATFORM, (vxcl_context_properties)devs[k].platform, 0};
    vxcl_int err = 0;
    rt.context = rt.cl.CreateContext(props, 1, &rt.device, NULL, NULL, &err);
    if (!rt.context)
        return vxcl_fail("clCreateContext", err);
    rt.queue = rt.cl.CreateCommandQueue(rt.context, rt.device, VXCL_QUEUE_PROFILING_ENABLE, &err);
    if (!rt.queue)
        return vxcl_fail("clCreateCommandQueue", err);
    return VX_OK;
}

vx_status vxcl_start(void)
{
    if (!started) {
        started = true;
        start_status = load_api();
        if (start_status == VX_OK)
            start_status = open_device();
        if (start_status != VX_OK)
            snprintf(start_error, sizeof start_error, "%s", vx_last_error());
    }
    if (start_status != VX_OK)
        return vx_fail(start_status, "%s", start_error);
    return VX_OK;
}

/* --- programs and kernels ------------------------------------------------------ */

/* -D definitions of every VX_OP_* id (kernels switch on the ids the host
 * passes) and of the work-group constants. */
static void build_options(char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "-cl-std=CL1.2 -DROW_GROUP=%d -DTILE=%d", VXCL_ROW_GROUP,
                                VXCL_TILE);
#define VX_OP(id, name, diff) \
    if (k < n)                \
        k += (size_t)snprintf(buf + k, n - k, " -DVX_OP_" #id "=%d", (int)VX_OP_##id);
#include "core/op_list.h"
#undef VX_OP
}

vx_status vxcl_build(vxcl_family family)
{
    if (programs[family])
        return VX_OK;
    const char *src = vxcl_sources[family];
    vxcl_int err = 0;
    vxcl_program p = rt.cl.CreateProgramWithSource(rt.context, 1, &src, NULL, &err);
    if (!p)
        return vxcl_fail("clCreateProgramWithSource", err);
    char opts[4096];
    build_options(opts, sizeof opts);
    err = rt.cl.BuildProgram(p, 1, &rt.device, opts, NULL, NULL);
    if (err != VXCL_SUCCESS) {
        char log[2048] = "";
        rt.cl.GetProgramBuildInfo(p, rt.device, VXCL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        rt.cl.ReleaseProgram(p);
        char name[64];
        return vx_fail(VX_ERR_UNSUPPORTED, "opencl: building the %s kernels for %s failed: %s\n%s",
                       vxcl_family_names[family], rt.device_name, vxcl_error_name(err, name, sizeof name),
                       log);
    }
    programs[family] = p;
    return VX_OK;
}

static vx_status kernel_of(vxcl_family family, const char *name, vxcl_kernel *out)
{
    for (int i = 0; i < n_kernels; i++)
        if (kernels[i].family == family && !strcmp(kernels[i].name, name)) {
            *out = kernels[i].kernel;
            return VX_OK;
        }
    vx_status st = vxcl_build(family);
    if (st)
        return st;
    if (n_kernels == MAX_KERNELS)
        return vx_fail(VX_ERR_UNSUPPORTED, "opencl: more than %d kernels; raise MAX_KERNELS", MAX_KERNELS);
    vxcl_int err = 0;
    vxcl_kernel k = rt.cl.CreateKernel(programs[family], name, &err);
    if (!k)
        return vxcl_fail(name, err);
    kernels[n_kernels].family = family;
    kernels[n_kernels].name = name;
    kernels[n_kernels++].kernel = k;
    *out = k;
    return VX_OK;
}

/* --- launches and timing ------------------------------------------------------- */

void vxcl_begin_run(void)
{
    for (int i = 0; i < n_events; i++)
        rt.cl.ReleaseEvent(events[i]);
    n_events = 0;
}

vx_status vxcl_launch(vxcl_family family, const char *name, int n_args, const vxcl_arg *args,
                      int dims, const size_t *global, const size_t *local)
{
    vxcl_kernel k = NULL;
    vx_status st = kernel_of(family, name, &k);
    if (st)
        return st;
    for (int i = 0; i < n_args; i++) {
        vxcl_int err = rt.cl.SetKernelArg(k, (vxcl_uint)i, args[i].size, args[i].ptr);
        if (err != VXCL_SUCCESS) {
            char what[96];
            snprintf(what, sizeof what, "clSetKernelArg(%s, %d)", name, i);
            return vxcl_fail(what, err);
        }
    }
    size_t g[3];
    for (int d = 0; d < dims; d++) {
        g[d] = global[d] ? global[d] : 1;
        if (local)
            g[d] = (g[d] + local[d] - 1) / local[d] * local[d];
    }
    vxcl_event ev = NULL;
    vxcl_int err = rt.cl.EnqueueNDRangeKernel(rt.queue, k, (vxcl_uint)dims, NULL, g, local, 0, NULL,
                                              n_events < MAX_EVENTS ? &ev : NULL);
    if (err != VXCL_SUCCESS)
        return vxcl_fail(name, err);
    if (ev)
        events[n_events++] = ev;
    return VX_OK;
}

double vxcl_run_ms(void)
{
    if (n_events && rt.cl.WaitForEvents((vxcl_uint)n_events, events) != VXCL_SUCCESS)
        return -1;
    double ms = 0;
    for (int i = 0; i < n_events; i++) {
        vxcl_ulong t0 = 0, t1 = 0;
        if (rt.cl.GetEventProfilingInfo(events[i], VXCL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL) ||
            rt.cl.GetEventProfilingInfo(events[i], VXCL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL))
            return -1;
        ms += (double)(t1 - t0) * 1e-6;
    }
    return ms;
}
