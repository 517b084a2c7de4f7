/*
 * NHWC float32 convolutions (forward, backward data, backward weights) on
 * oneDNN's C API, compiled into the addon under -DDETLAB_ONEDNN. Filters are
 * in tfjs's [KH, KW, C, CO] layout (oneDNN's hwio). Primitives are created
 * once per geometry and thread count and kept.
 */
#ifndef DETLAB_ONEDNN_CONV_H
#define DETLAB_ONEDNN_CONV_H
#include <stdint.h>

/* x [B,H,W,C], filter [KH,KW,C,CO], y [B,OH,OW,CO]; pads top, left, bottom, right as tfjs computed them. */
typedef struct { int64_t B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, CO, pb, pr; } OnednnConvGeometry;

/* forward: (x, filter) -> y; backward data: (dy, filter) -> dx; backward weights: (x, dy) -> dfilter. */
typedef enum { ONEDNN_FORWARD = 0, ONEDNN_BACKWARD_DATA = 1, ONEDNN_BACKWARD_WEIGHTS = 2 } OnednnConvKind;

/* Runs one convolution of `kind`; NULL on success, else a static message. */
const char* onednn_conv(OnednnConvKind kind, const OnednnConvGeometry* g, const float* a, const float* b, float* out);

/* Sets *impl to the implementation oneDNN picked for that convolution (e.g. "brgconv:avx512_core"); NULL or an error. */
const char* onednn_conv_impl(OnednnConvKind kind, const OnednnConvGeometry* g, const char** impl);

/* OpenMP threads for the following calls; primitives made for another count are dropped. */
void onednn_set_threads(int n);

/* "oneDNN 3.2.0 (OpenMP, avx512_core)". */
const char* onednn_describe(void);

#endif
