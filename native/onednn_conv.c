/*
 * oneDNN convolutions for the addon (see onednn_conv.h). Activations stay in
 * NHWC (oneDNN's nhwc tag), the caller's filter in HWIO (hwio). The weights
 * layout is left to oneDNN (format `any`): where its kernel wants a blocked
 * one, a reorder primitive converts the filter (or the filter gradient back)
 * through one scratch buffer that all entries share (calls come one at a time;
 * a buffer per entry would hold every filter again for each input size a
 * detector trains at). Forcing hwio instead was slower on the
 * ResNet-18 shapes (1 thread: backward data 73 vs 52 ms, backward weights
 * 100 vs 64 ms per step's layers; forward about even), as oneDNN then falls
 * back to its gemm kernels.
 */
#include "onednn_conv.h"
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  OnednnConvKind kind;
  OnednnConvGeometry g;
  dnnl_primitive_t conv;
  dnnl_memory_t a, b, out;      /* the caller's arrays, handles set per call */
  dnnl_primitive_t reorder;     /* NULL when the conv takes the hwio filter as it is */
  dnnl_memory_t user_weights;   /* hwio view of the caller's filter (or filter gradient) */
  dnnl_memory_t conv_weights;   /* the conv's own layout, on the shared scratch */
  size_t weights_bytes;
  char impl[64];
} Entry;

/* Detector training sees a few dozen geometries; past this the cache starts over. */
#define MAX_ENTRIES 512

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static Entry* entries[MAX_ENTRIES];
static int entry_count;
static void* scratch;
static size_t scratch_bytes;

/* The shared weights buffer, at least `bytes` long; NULL when out of memory. */
static void* weights_scratch(size_t bytes) {
  if (bytes <= scratch_bytes) return scratch;
  free(scratch);
  const size_t rounded = (bytes + 63) / 64 * 64;
  scratch = aligned_alloc(64, rounded);
  scratch_bytes = scratch ? rounded : 0;
  return scratch;
}

static void free_entry(Entry* e) {
  if (e->conv) dnnl_primitive_destroy(e->conv);
  if (e->reorder) dnnl_primitive_destroy(e->reorder);
  dnnl_memory_t mems[] = {e->a, e->b, e->out, e->user_weights, e->conv_weights};
  for (size_t i = 0; i < sizeof(mems) / sizeof(mems[0]); i++)
    if (mems[i]) dnnl_memory_destroy(mems[i]);
  free(e);
}

static void clear_cache(void) {
  for (int i = 0; i < entry_count; i++) free_entry(entries[i]);
  entry_count = 0;
}

void onednn_set_threads(int n) {
  if (n == omp_get_max_threads()) return;
  /* oneDNN sizes its work split at primitive creation from the thread count. */
  clear_cache();
  omp_set_num_threads(n);
}

static const char* isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_avx512_core_amx_fp16: return "avx512_core_amx_fp16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_fp16: return "avx512_core_fp16";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni_2: return "avx2_vnni_2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_sse41: return "sse41";
    default: return "no jit ISA";
  }
}

const char* onednn_describe(void) {
  static char text[96];
  const dnnl_version_t* v = dnnl_version();
  snprintf(text, sizeof(text), "oneDNN %d.%d.%d (%s, %s)", v->major, v->minor, v->patch,
           v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "non-OpenMP runtime", isa_name(dnnl_get_effective_cpu_isa()));
  return text;
}

static const char* status_message(const char* what, dnnl_status_t s) {
  static char text[160];
  const char* why = s == dnnl_unimplemented ? "unimplemented" : s == dnnl_invalid_arguments ? "invalid arguments"
                  : s == dnnl_out_of_memory ? "out of memory" : "failed";
  snprintf(text, sizeof(text), "oneDNN %s: %s (status %d)", what, why, (int)s);
  return text;
}

#define CHECK(what, call) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { err = status_message(what, s_); goto done; } } while (0)

/*
 * A primitive descriptor for `kind`, with every memory described; the weights desc is `any`, except for a
 * strided 1×1 backward weights: oneDNN 3.2 then picks jit_1x1 with its strided-source copy (rtus), which
 * corrupted the heap (B=1, 16², C=12 or 5, stride 2); with hwio weights it takes gemm:jit instead.
 */
static const char* make_pd(OnednnConvKind kind, const OnednnConvGeometry* g, dnnl_primitive_desc_t* pd) {
  const char* err = NULL;
  dnnl_memory_desc_t src = NULL, dst = NULL, wany = NULL;
  dnnl_primitive_desc_t hint = NULL;
  const dnnl_dims_t src_dims = {g->B, g->C, g->H, g->W}, dst_dims = {g->B, g->CO, g->OH, g->OW};
  const dnnl_dims_t w_dims = {g->CO, g->C, g->KH, g->KW};
  const dnnl_dims_t strides = {g->sh, g->sw}, dilates = {0, 0}, pad_l = {g->pt, g->pl}, pad_r = {g->pb, g->pr};
  CHECK("memory desc", dnnl_memory_desc_create_with_tag(&src, 4, src_dims, dnnl_f32, dnnl_nhwc));
  CHECK("memory desc", dnnl_memory_desc_create_with_tag(&dst, 4, dst_dims, dnnl_f32, dnnl_nhwc));
  const bool strided_1x1 = g->KH == 1 && g->KW == 1 && (g->sh > 1 || g->sw > 1);
  const bool hwio = kind == ONEDNN_BACKWARD_WEIGHTS && strided_1x1;
  CHECK("memory desc", dnnl_memory_desc_create_with_tag(&wany, 4, w_dims, dnnl_f32, hwio ? dnnl_hwio : dnnl_format_tag_any));
  if (kind == ONEDNN_FORWARD) {
    CHECK("convolution forward", dnnl_convolution_forward_primitive_desc_create(
        pd, engine, dnnl_forward_training, dnnl_convolution_direct, src, wany, NULL, dst, strides, dilates, pad_l, pad_r, NULL));
    goto done;
  }
  /* The backward descriptors take a forward one as a hint. */
  CHECK("convolution forward", dnnl_convolution_forward_primitive_desc_create(
      &hint, engine, dnnl_forward_training, dnnl_convolution_direct, src, wany, NULL, dst, strides, dilates, pad_l, pad_r, NULL));
  if (kind == ONEDNN_BACKWARD_DATA)
    CHECK("convolution backward data", dnnl_convolution_backward_data_primitive_desc_create(
        pd, engine, dnnl_convolution_direct, src, wany, dst, strides, dilates, pad_l, pad_r, hint, NULL));
  else
    CHECK("convolution backward weights", dnnl_convolution_backward_weights_primitive_desc_create(
        pd, engine, dnnl_convolution_direct, src, wany, NULL, dst, strides, dilates, pad_l, pad_r, hint, NULL));
done:
  if (hint) dnnl_primitive_desc_destroy(hint);
  if (src) dnnl_memory_desc_destroy(src);
  if (dst) dnnl_memory_desc_destroy(dst);
  if (wany) dnnl_memory_desc_destroy(wany);
  return err;
}

static const char* make_entry(OnednnConvKind kind, const OnednnConvGeometry* g, Entry** out) {
  const char* err = NULL;
  dnnl_primitive_desc_t pd = NULL, rpd = NULL;
  dnnl_memory_desc_t hwio = NULL;
  Entry* e = calloc(1, sizeof(Entry));
  if (!e) return "oneDNN: out of memory";
  e->kind = kind;
  e->g = *g;
  if (!engine) {
    CHECK("engine", dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK("stream", dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  }
  err = make_pd(kind, g, &pd);
  if (err) goto done;
  const dnnl_query_t a_query = kind == ONEDNN_BACKWARD_DATA ? dnnl_query_diff_dst_md : dnnl_query_src_md;
  const dnnl_query_t b_query = kind == ONEDNN_BACKWARD_WEIGHTS ? dnnl_query_diff_dst_md : dnnl_query_weights_md;
  const dnnl_query_t out_query = kind == ONEDNN_FORWARD ? dnnl_query_dst_md
                               : kind == ONEDNN_BACKWARD_DATA ? dnnl_query_diff_src_md : dnnl_query_diff_weights_md;
  const_dnnl_memory_desc_t weights_md = dnnl_primitive_desc_query_md(pd, kind == ONEDNN_BACKWARD_WEIGHTS ? out_query : b_query, 0);
  const dnnl_dims_t w_dims = {g->CO, g->C, g->KH, g->KW};
  CHECK("memory desc", dnnl_memory_desc_create_with_tag(&hwio, 4, w_dims, dnnl_f32, dnnl_hwio));
  CHECK("memory", dnnl_memory_create(&e->a, dnnl_primitive_desc_query_md(pd, a_query, 0), engine, DNNL_MEMORY_NONE));
  if (dnnl_memory_desc_equal(weights_md, hwio)) {
    CHECK("memory", dnnl_memory_create(&e->b, dnnl_primitive_desc_query_md(pd, b_query, 0), engine, DNNL_MEMORY_NONE));
    CHECK("memory", dnnl_memory_create(&e->out, dnnl_primitive_desc_query_md(pd, out_query, 0), engine, DNNL_MEMORY_NONE));
  } else {
    CHECK("memory", dnnl_memory_create(&e->user_weights, hwio, engine, DNNL_MEMORY_NONE));
    CHECK("memory", dnnl_memory_create(&e->conv_weights, weights_md, engine, DNNL_MEMORY_NONE));
    e->weights_bytes = dnnl_memory_desc_get_size(weights_md);
    if (kind == ONEDNN_BACKWARD_WEIGHTS) {
      CHECK("memory", dnnl_memory_create(&e->b, dnnl_primitive_desc_query_md(pd, b_query, 0), engine, DNNL_MEMORY_NONE));
      CHECK("weights reorder", dnnl_reorder_primitive_desc_create(&rpd, weights_md, engine, hwio, engine, NULL));
    } else {
      CHECK("memory", dnnl_memory_create(&e->out, dnnl_primitive_desc_query_md(pd, out_query, 0), engine, DNNL_MEMORY_NONE));
      CHECK("weights reorder", dnnl_reorder_primitive_desc_create(&rpd, hwio, engine, weights_md, engine, NULL));
    }
    CHECK("weights reorder", dnnl_primitive_create(&e->reorder, rpd));
  }
  CHECK("primitive", dnnl_primitive_create(&e->conv, pd));
  const char* impl = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  snprintf(e->impl, sizeof(e->impl), "%s", impl ? impl : "unknown");
done:
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (rpd) dnnl_primitive_desc_destroy(rpd);
  if (hwio) dnnl_memory_desc_destroy(hwio);
  if (err) free_entry(e);
  else *out = e;
  return err;
}

static const char* find_entry(OnednnConvKind kind, const OnednnConvGeometry* g, Entry** out) {
  for (int i = 0; i < entry_count; i++)
    if (entries[i]->kind == kind && memcmp(&entries[i]->g, g, sizeof(*g)) == 0) { *out = entries[i]; return NULL; }
  if (entry_count == MAX_ENTRIES) clear_cache();
  const char* err = make_entry(kind, g, out);
  if (!err) entries[entry_count++] = *out;
  return err;
}

const char* onednn_conv_impl(OnednnConvKind kind, const OnednnConvGeometry* g, const char** impl) {
  Entry* e = NULL;
  const char* err = find_entry(kind, g, &e);
  if (!err) *impl = e->impl;
  return err;
}

static const char* run(dnnl_primitive_t p, int n, const dnnl_exec_arg_t* args) {
  dnnl_status_t s = dnnl_primitive_execute(p, stream, n, args);
  if (s == dnnl_success) s = dnnl_stream_wait(stream);
  return s == dnnl_success ? NULL : status_message("execute", s);
}

const char* onednn_conv(OnednnConvKind kind, const OnednnConvGeometry* g, const float* a, const float* b, float* out) {
  Entry* e = NULL;
  const char* err = find_entry(kind, g, &e);
  if (err) return err;
  /* oneDNN's handles are non-const; it only reads the inputs. */
  dnnl_memory_set_data_handle(e->a, (void*)a);
  const int a_arg = kind == ONEDNN_BACKWARD_DATA ? DNNL_ARG_DIFF_DST : DNNL_ARG_SRC;
  const int b_arg = kind == ONEDNN_BACKWARD_WEIGHTS ? DNNL_ARG_DIFF_DST : DNNL_ARG_WEIGHTS;
  const int out_arg = kind == ONEDNN_FORWARD ? DNNL_ARG_DST : kind == ONEDNN_BACKWARD_DATA ? DNNL_ARG_DIFF_SRC : DNNL_ARG_DIFF_WEIGHTS;
  dnnl_memory_t b_mem = e->b, out_mem = e->out;
  if (e->reorder) {
    void* w = weights_scratch(e->weights_bytes);
    if (!w) return "oneDNN: out of memory for the weights in oneDNN's layout";
    /* oneDNN zero-fills the padding of a blocked layout when it is handed a buffer. */
    dnnl_memory_set_data_handle(e->conv_weights, w);
  }
  if (e->reorder && kind != ONEDNN_BACKWARD_WEIGHTS) {
    dnnl_memory_set_data_handle(e->user_weights, (void*)b);
    const dnnl_exec_arg_t r[] = {{DNNL_ARG_FROM, e->user_weights}, {DNNL_ARG_TO, e->conv_weights}};
    if ((err = run(e->reorder, 2, r))) return err;
    b_mem = e->conv_weights;
  } else {
    dnnl_memory_set_data_handle(e->b, (void*)b);
  }
  if (e->reorder && kind == ONEDNN_BACKWARD_WEIGHTS) out_mem = e->conv_weights;
  else dnnl_memory_set_data_handle(e->out, out);
  const dnnl_exec_arg_t args[] = {{a_arg, e->a}, {b_arg, b_mem}, {out_arg, out_mem}};
  if ((err = run(e->conv, 3, args))) return err;
  if (e->reorder && kind == ONEDNN_BACKWARD_WEIGHTS) {
    dnnl_memory_set_data_handle(e->user_weights, out);
    const dnnl_exec_arg_t r[] = {{DNNL_ARG_FROM, e->conv_weights}, {DNNL_ARG_TO, e->user_weights}};
    if ((err = run(e->reorder, 2, r))) return err;
  }
  return NULL;
}
