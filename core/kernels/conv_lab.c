/* conv_lab.c — the process-wide choice of conv lowering (see conv_lab.h). */
#include "conv_lab.h"

static int conv_impl = 0;

static const char *const names[] = {
    "auto: best lowering for the shape",
    "scalar reference loops",
    "explicit im2col / col2im + packed GEMM",
    "im2col packed inside the GEMM; polyphase conv_transpose1d",
};

bool vx_conv_impl_valid(int impl) { return impl >= 0 && impl <= 3; }
void vx_conv_set_impl(int impl) { conv_impl = vx_conv_impl_valid(impl) ? impl : 0; }
int vx_conv_get_impl(void) { return conv_impl; }
const char *vx_conv_impl_name(int impl) { return vx_conv_impl_valid(impl) ? names[impl] : "unknown version"; }
