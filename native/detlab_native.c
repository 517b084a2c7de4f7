/*
 * detlab native kernels: OpenBLAS SGEMM and NHWC im2col/col2im, working in
 * place on Float32Array views (in detlab, views of the tfjs wasm heap, so no
 * copies). Every entry point checks that the arrays are large enough for the
 * requested geometry and throws a JS error otherwise. Built with -DDETLAB_ONEDNN,
 * it also exposes oneDNN's convolutions (onednn_conv.c).
 */
#include <node_api.h>
#include <cblas.h>
#include "blas_names.h"
#include <stdbool.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef DETLAB_ONEDNN
#include "onednn_conv.h"
#endif

#define MAX_ARGS 20

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  bool failed;
} Args;

static bool fail(Args* a, const char* message) {
  if (!a->failed) napi_throw_error(a->env, "DETLAB_NATIVE", message);
  a->failed = true;
  return false;
}

static bool get_args(Args* a, napi_callback_info info, size_t expected, const char* usage) {
  a->argc = MAX_ARGS;
  a->failed = false;
  if (napi_get_cb_info(a->env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) return fail(a, usage);
  if (a->argc != expected) return fail(a, usage);
  return true;
}

static int64_t int_arg(Args* a, size_t i) {
  int64_t v = 0;
  if (napi_get_value_int64(a->env, a->argv[i], &v) != napi_ok) fail(a, "detlab native: expected an integer argument");
  return v;
}

static bool bool_arg(Args* a, size_t i) {
  bool v = false;
  if (napi_get_value_bool(a->env, a->argv[i], &v) != napi_ok) fail(a, "detlab native: expected a boolean argument");
  return v;
}

static double num_arg(Args* a, size_t i) {
  double v = 0;
  if (napi_get_value_double(a->env, a->argv[i], &v) != napi_ok) fail(a, "detlab native: expected a number argument");
  return v;
}

/* A Float32Array argument holding at least `need` elements. */
static float* f32_arg(Args* a, size_t i, int64_t need) {
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = NULL;
  napi_value buffer;
  bool is_typed = false;
  napi_is_typedarray(a->env, a->argv[i], &is_typed);
  if (!is_typed) { fail(a, "detlab native: expected a Float32Array"); return NULL; }
  napi_get_typedarray_info(a->env, a->argv[i], &type, &length, &data, &buffer, &offset);
  if (type != napi_float32_array) { fail(a, "detlab native: expected a Float32Array"); return NULL; }
  if (need < 0 || (uint64_t)length < (uint64_t)need) { fail(a, "detlab native: array too small for the given shape"); return NULL; }
  return (float*)data;
}

/* sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc): row-major C = αAB + βC. */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 13, "sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)")) return NULL;
  bool ta = bool_arg(&a, 0), tb = bool_arg(&a, 1);
  int64_t m = int_arg(&a, 2), n = int_arg(&a, 3), k = int_arg(&a, 4);
  float alpha = (float)num_arg(&a, 5), beta = (float)num_arg(&a, 10);
  int64_t lda = int_arg(&a, 7), ldb = int_arg(&a, 9), ldc = int_arg(&a, 12);
  if (a.failed) return NULL;
  if (m < 0 || n < 0 || k < 0) { fail(&a, "sgemm: negative dimension"); return NULL; }
  int64_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
  if (lda < a_cols || ldb < b_cols || ldc < n || lda < 1 || ldb < 1 || ldc < 1) { fail(&a, "sgemm: leading dimension too small"); return NULL; }
  const float* A = f32_arg(&a, 6, a_rows > 0 ? (a_rows - 1) * lda + a_cols : 0);
  const float* B = f32_arg(&a, 8, b_rows > 0 ? (b_rows - 1) * ldb + b_cols : 0);
  float* C = f32_arg(&a, 11, m > 0 ? (m - 1) * ldc + n : 0);
  if (a.failed || m == 0 || n == 0) return NULL;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              (blasint)m, (blasint)n, (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
  return NULL;
}

typedef struct { int64_t B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW; } Geometry;

/* Arguments 1..12 of im2col/col2im: B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW. */
static bool geometry_args(Args* a, Geometry* g) {
  int64_t* f = &g->B;
  for (size_t i = 0; i < 12; i++) f[i] = int_arg(a, i + 1);
  if (a->failed) return false;
  for (size_t i = 0; i < 12; i++) if (f[i] < 0 || (i < 8 && i != 0 && f[i] == 0)) return fail(a, "im2col/col2im: invalid geometry");
  return true;
}

/* im2col(x, B,H,W,C, KH,KW, sh,sw, pt,pl, OH,OW, P): P [B·OH·OW, KH·KW·C] from x [B,H,W,C]. */
static napi_value Im2col(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  Geometry g;
  if (!get_args(&a, info, 14, "im2col(x, B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, P)") || !geometry_args(&a, &g)) return NULL;
  const float* x = f32_arg(&a, 0, g.B * g.H * g.W * g.C);
  float* P = f32_arg(&a, 13, g.B * g.OH * g.OW * g.KH * g.KW * g.C);
  if (a.failed) return NULL;
  const size_t C = (size_t)g.C, tap_row = (size_t)(g.KW * g.C);
  for (int64_t b = 0; b < g.B; b++)
    for (int64_t oh = 0; oh < g.OH; oh++)
      for (int64_t ow = 0; ow < g.OW; ow++) {
        const int64_t iw0 = ow * g.sw - g.pl;
        for (int64_t kh = 0; kh < g.KH; kh++, P += tap_row) {
          const int64_t ih = oh * g.sh + kh - g.pt;
          if (ih < 0 || ih >= g.H) { memset(P, 0, sizeof(float) * tap_row); continue; }
          const float* row = x + (size_t)((b * g.H + ih) * g.W) * C;
          if (iw0 >= 0 && iw0 + g.KW <= g.W) { memcpy(P, row + (size_t)iw0 * C, sizeof(float) * tap_row); continue; }
          for (int64_t kw = 0; kw < g.KW; kw++) {
            const int64_t iw = iw0 + kw;
            float* dst = P + (size_t)kw * C;
            if (iw < 0 || iw >= g.W) memset(dst, 0, sizeof(float) * C);
            else memcpy(dst, row + (size_t)iw * C, sizeof(float) * C);
          }
        }
      }
  return NULL;
}

/* col2im(G, B,H,W,C, KH,KW, sh,sw, pt,pl, OH,OW, dx): dx += scatter of G's rows (dx zeroed by the caller). */
static napi_value Col2im(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  Geometry g;
  if (!get_args(&a, info, 14, "col2im(G, B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, dx)") || !geometry_args(&a, &g)) return NULL;
  const float* G = f32_arg(&a, 0, g.B * g.OH * g.OW * g.KH * g.KW * g.C);
  float* dx = f32_arg(&a, 13, g.B * g.H * g.W * g.C);
  if (a.failed) return NULL;
  const size_t C = (size_t)g.C;
  for (int64_t b = 0; b < g.B; b++)
    for (int64_t oh = 0; oh < g.OH; oh++)
      for (int64_t ow = 0; ow < g.OW; ow++)
        for (int64_t kh = 0; kh < g.KH; kh++) {
          const int64_t ih = oh * g.sh + kh - g.pt;
          if (ih < 0 || ih >= g.H) { G += g.KW * C; continue; }
          float* row = dx + (size_t)((b * g.H + ih) * g.W) * C;
          for (int64_t kw = 0; kw < g.KW; kw++, G += C) {
            const int64_t iw = ow * g.sw + kw - g.pl;
            if (iw < 0 || iw >= g.W) continue;
            float* d = row + (size_t)iw * C;
            for (size_t c = 0; c < C; c++) d[c] += G[c];
          }
        }
  return NULL;
}

/*
 * maxPoolGrad(x, B,H,W,C, KH,KW, sh,sw, pt,pl, OH,OW, dy, dx): dx (zeroed by the
 * caller) += dy routed to the first maximum of each window among in-bounds
 * positions (TensorFlow's rule; the stock wasm kernel breaks it).
 */
static napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  Geometry g;
  if (!get_args(&a, info, 15, "maxPoolGrad(x, B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, dy, dx)") || !geometry_args(&a, &g)) return NULL;
  const float* x = f32_arg(&a, 0, g.B * g.H * g.W * g.C);
  const float* dy = f32_arg(&a, 13, g.B * g.OH * g.OW * g.C);
  float* dx = f32_arg(&a, 14, g.B * g.H * g.W * g.C);
  if (a.failed) return NULL;
  const int64_t C = g.C;
  float* best = malloc(sizeof(float) * (size_t)C);
  int64_t* at = malloc(sizeof(int64_t) * (size_t)C);
  if (!best || !at) { free(best); free(at); fail(&a, "maxPoolGrad: out of memory"); return NULL; }
  for (int64_t b = 0; b < g.B; b++)
    for (int64_t oh = 0; oh < g.OH; oh++) {
      const int64_t ih0 = oh * g.sh - g.pt;
      const int64_t khLo = ih0 < 0 ? -ih0 : 0, khHi = g.KH < g.H - ih0 ? g.KH : g.H - ih0;
      for (int64_t ow = 0; ow < g.OW; ow++) {
        const int64_t iw0 = ow * g.sw - g.pl;
        const int64_t kwLo = iw0 < 0 ? -iw0 : 0, kwHi = g.KW < g.W - iw0 ? g.KW : g.W - iw0;
        if (khLo >= khHi || kwLo >= kwHi) continue;
        bool first = true;
        for (int64_t kh = khLo; kh < khHi; kh++)
          for (int64_t kw = kwLo; kw < kwHi; kw++) {
            const int64_t i = (((b * g.H + ih0 + kh) * g.W) + iw0 + kw) * C;
            const float* xv = x + i;
            if (first) {
              for (int64_t c = 0; c < C; c++) { best[c] = xv[c]; at[c] = i + c; }
              first = false;
              continue;
            }
            for (int64_t c = 0; c < C; c++)
              if (xv[c] > best[c]) { best[c] = xv[c]; at[c] = i + c; }
          }
        const float* gv = dy + ((b * g.OH + oh) * g.OW + ow) * C;
        for (int64_t c = 0; c < C; c++) dx[at[c]] += gv[c];
      }
    }
  free(best);
  free(at);
  return NULL;
}

/*
 * Training-mode batch norm over x viewed as [rows, C] (NHWC, statistics over
 * all but the channel axis); the same equations as the wasm pack's
 * batch_norm_train.ts, float64 per-channel accumulators.
 */
static double* channel_scratch(Args* a, int64_t c, int count) {
  double* p = calloc((size_t)(c * count), sizeof(double));
  if (!p) fail(a, "batch norm: out of memory");
  return p;
}

/* Rows of x viewed as [rows, C] (argument xi, C at argument ci); 0 after a thrown error. */
static int64_t bn_rows(Args* a, int xi, int ci, const char* name, int64_t* C) {
  *C = int_arg(a, ci);
  if (a->failed) return 0;
  if (*C < 1) { fail(a, name); return 0; }
  napi_typedarray_type type;
  size_t length = 0;
  napi_get_typedarray_info(a->env, a->argv[xi], &type, &length, NULL, NULL, NULL);
  if (length % (size_t)*C != 0 || length == 0) { fail(a, name); return 0; }
  return (int64_t)length / *C;
}

/* bnForward(x, C, gamma, beta, eps, y, mean, variance) */
static napi_value BnForward(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 8, "bnForward(x, C, gamma, beta, eps, y, mean, variance)")) return NULL;
  int64_t C;
  const int64_t rows = bn_rows(&a, 0, 1, "bnForward: x must be a non-empty [rows, C] array with C >= 1", &C);
  double eps = num_arg(&a, 4);
  if (a.failed) return NULL;
  const float* restrict x = f32_arg(&a, 0, rows * C);
  const float* gamma = f32_arg(&a, 2, C);
  const float* beta = f32_arg(&a, 3, C);
  float* restrict y = f32_arg(&a, 5, rows * C);
  float* mean = f32_arg(&a, 6, C);
  float* var = f32_arg(&a, 7, C);
  if (a.failed) return NULL;
  double* s = channel_scratch(&a, C, 4);
  if (!s) return NULL;
  double* restrict s1 = s;
  double* restrict s2 = s + C;
  float* restrict scale = (float*)(s + 2 * C);
  float* restrict shift = (float*)(s + 3 * C);
  /* Shifted by the first row so Σd² − (Σd)²/n does not cancel when |mean| ≫ std. */
  float* restrict x0 = shift + C;
  memcpy(x0, x, sizeof(float) * (size_t)C);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    for (int64_t c = 0; c < C; c++) {
      const double d = (double)(xr[c] - x0[c]);
      s1[c] += d;
      s2[c] += d * d;
    }
  }
  for (int64_t c = 0; c < C; c++) {
    const double m = s1[c] / (double)rows;
    double v = s2[c] / (double)rows - m * m;
    if (v < 0) v = 0;
    const double mu = (double)x0[c] + m;
    const double sc = (double)gamma[c] / sqrt(v + eps);
    mean[c] = (float)mu;
    var[c] = (float)v;
    scale[c] = (float)sc;
    shift[c] = (float)((double)beta[c] - mu * sc);
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
  }
  free(s);
  return NULL;
}

/* bnBackward(x, dy, C, mean, variance, gamma, dmean, dvariance, eps, dx, dgamma, dbeta) */
static napi_value BnBackward(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 12, "bnBackward(x, dy, C, mean, variance, gamma, dmean, dvariance, eps, dx, dgamma, dbeta)")) return NULL;
  int64_t C;
  const int64_t rows = bn_rows(&a, 0, 2, "bnBackward: x must be a non-empty [rows, C] array with C >= 1", &C);
  double eps = num_arg(&a, 8);
  if (a.failed) return NULL;
  const float* restrict x = f32_arg(&a, 0, rows * C);
  const float* restrict dy = f32_arg(&a, 1, rows * C);
  const float* mean = f32_arg(&a, 3, C);
  const float* var = f32_arg(&a, 4, C);
  const float* gamma = f32_arg(&a, 5, C);
  const float* dmean = f32_arg(&a, 6, C);
  const float* dvar = f32_arg(&a, 7, C);
  float* restrict dx = f32_arg(&a, 9, rows * C);
  float* dgamma = f32_arg(&a, 10, C);
  float* dbeta = f32_arg(&a, 11, C);
  if (a.failed) return NULL;
  double* s = channel_scratch(&a, C, 4);
  if (!s) return NULL;
  double* restrict sum_dy = s;
  double* restrict sum_dyxc = s + C;
  float* restrict mu = (float*)(s + 2 * C);
  float* restrict A = mu + C;
  float* restrict Bc = (float*)(s + 3 * C);
  float* restrict K = Bc + C;
  memcpy(mu, mean, sizeof(float) * (size_t)C);
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    const float* gr = dy + r * C;
    for (int64_t c = 0; c < C; c++) {
      sum_dy[c] += (double)gr[c];
      sum_dyxc[c] += (double)(gr[c] * (xr[c] - mu[c]));
    }
  }
  /* dx = A·dy + B·(x − mean) + K per channel (see batch_norm_train.ts). */
  for (int64_t c = 0; c < C; c++) {
    const double inv = 1.0 / sqrt((double)var[c] + eps);
    dbeta[c] = (float)sum_dy[c];
    dgamma[c] = (float)(sum_dyxc[c] * inv);
    A[c] = (float)(gamma[c] * inv);
    Bc[c] = (float)((-gamma[c] * inv * inv * inv * sum_dyxc[c] + 2.0 * dvar[c]) / (double)rows);
    K[c] = (float)((-gamma[c] * inv * sum_dy[c] + dmean[c]) / (double)rows);
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    const float* gr = dy + r * C;
    float* dr = dx + r * C;
    for (int64_t c = 0; c < C; c++) dr[c] = A[c] * gr[c] + Bc[c] * (xr[c] - mu[c]) + K[c];
  }
  free(s);
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 1, "setThreads(n)")) return NULL;
  int64_t n = int_arg(&a, 0);
  if (a.failed) return NULL;
  if (n < 1) { fail(&a, "setThreads: n must be at least 1"); return NULL; }
  openblas_set_num_threads((int)n);
#ifdef DETLAB_ONEDNN
  onednn_set_threads((int)n);
#endif
  return NULL;
}

static napi_value GetThreads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

#ifdef DETLAB_ONEDNN
/* kind, then from argument `first` on B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, CO, pb, pr. */
static bool onednn_args(Args* a, napi_callback_info info, size_t argc, const char* usage, size_t first,
                        OnednnConvKind* kind, OnednnConvGeometry* g) {
  if (!get_args(a, info, argc, usage)) return false;
  const int64_t k = int_arg(a, 0);
  int64_t* f = &g->B;
  for (size_t i = 0; i < 15; i++) f[i] = int_arg(a, first + i);
  if (a->failed) return false;
  if (k < 0 || k > 2) return fail(a, "onednnConv: kind must be 0 (forward), 1 (backward data) or 2 (backward weights)");
  for (size_t i = 0; i < 15; i++) if (f[i] < 0 || (i < 8 && f[i] == 0) || (i >= 10 && i <= 12 && f[i] == 0)) return fail(a, "onednnConv: invalid geometry");
  *kind = (OnednnConvKind)k;
  return true;
}

/*
 * onednnConv(kind, a, b, out, B,H,W,C, KH,KW, sh,sw, pt,pl, OH,OW, CO, pb,pr): kind 0 y = conv(x, w),
 * 1 dx from (dy, w), 2 dw from (x, dy); x [B,H,W,C], w [KH,KW,C,CO], y and dy [B,OH,OW,CO].
 */
static napi_value OnednnConv(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  OnednnConvKind kind;
  OnednnConvGeometry g;
  if (!onednn_args(&a, info, 19, "onednnConv(kind, a, b, out, B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, CO, pb, pr)", 4, &kind, &g)) return NULL;
  const int64_t xs = g.B * g.H * g.W * g.C, ws = g.KH * g.KW * g.C * g.CO, ys = g.B * g.OH * g.OW * g.CO;
  const int64_t sizes[3][3] = {{xs, ws, ys}, {ys, ws, xs}, {xs, ys, ws}};
  const float* in0 = f32_arg(&a, 1, sizes[kind][0]);
  const float* in1 = f32_arg(&a, 2, sizes[kind][1]);
  float* out = f32_arg(&a, 3, sizes[kind][2]);
  if (a.failed) return NULL;
  const char* err = onednn_conv(kind, &g, in0, in1, out);
  if (err) fail(&a, err);
  return NULL;
}

/* onednnImpl(kind, B,H,W,C, KH,KW, sh,sw, pt,pl, OH,OW, CO, pb,pr): the implementation oneDNN picked. */
static napi_value OnednnImpl(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  OnednnConvKind kind;
  OnednnConvGeometry g;
  const char* impl = NULL;
  if (!onednn_args(&a, info, 16, "onednnImpl(kind, B, H, W, C, KH, KW, sh, sw, pt, pl, OH, OW, CO, pb, pr)", 1, &kind, &g)) return NULL;
  const char* err = onednn_conv_impl(kind, &g, &impl);
  if (err) { fail(&a, err); return NULL; }
  napi_value out;
  napi_create_string_utf8(env, impl, NAPI_AUTO_LENGTH, &out);
  return out;
}
#endif

/* onednn(): "oneDNN 3.2.0 (OpenMP, avx512_core)", or null when the addon was built without it. */
static napi_value Onednn(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#ifdef DETLAB_ONEDNN
  napi_create_string_utf8(env, onednn_describe(), NAPI_AUTO_LENGTH, &out);
#else
  napi_get_null(env, &out);
#endif
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
    {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
    {"im2col", NULL, Im2col, NULL, NULL, NULL, napi_enumerable, NULL},
    {"col2im", NULL, Col2im, NULL, NULL, NULL, napi_enumerable, NULL},
    {"maxPoolGrad", NULL, MaxPoolGrad, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bnForward", NULL, BnForward, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bnBackward", NULL, BnBackward, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"getThreads", NULL, GetThreads, NULL, NULL, NULL, napi_enumerable, NULL},
    {"config", NULL, Config, NULL, NULL, NULL, napi_enumerable, NULL},
    {"onednn", NULL, Onednn, NULL, NULL, NULL, napi_enumerable, NULL},
#ifdef DETLAB_ONEDNN
    {"onednnConv", NULL, OnednnConv, NULL, NULL, NULL, napi_enumerable, NULL},
    {"onednnImpl", NULL, OnednnImpl, NULL, NULL, NULL, napi_enumerable, NULL},
#endif
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
