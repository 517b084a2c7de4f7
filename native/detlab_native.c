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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef DETLAB_ONEDNN
#include "onednn_conv.h"
#endif
#ifdef _OPENMP
#include <omp.h>
#define OMP(directive) _Pragma(#directive)
#else
#define OMP(directive)
static int omp_get_thread_num(void) { return 0; }
static int omp_get_num_threads(void) { return 1; }
static int omp_get_max_threads(void) { return 1; }
#endif

/*
 * The elementwise and per-channel kernels below split their work across the
 * OpenMP threads (oneDNN's, sized by setThreads) from this many floats on;
 * below it waking the threads costs more than it saves.
 */
#define PARALLEL_MIN_FLOATS (1 << 15)

/*
 * Thread t's share [r0, r1) of `rows` rows. The kernels split only passes that
 * write each row from that row alone (contiguous chunks, no cache line shared
 * but at the seams); their sums stay serial, in the order of the one-thread
 * code, so the results do not depend on the thread count.
 */
static void row_share(int64_t rows, int64_t* r0, int64_t* r1) {
  const int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
  *r0 = rows * t / T;
  *r1 = rows * (t + 1) / T;
}

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
 * Images [b0, b1) of maxPoolGrad. The running max and the index of its window
 * position are per channel (contiguous, so the compare-and-select
 * vectorises); the scatter then follows each channel's own position.
 */
static void max_pool_grad_images(const Geometry* g, const float* x, const float* dy, float* dx, int64_t b0, int64_t b1,
                                 float* best, int32_t* at, int64_t* offsets) {
  const int64_t C = g->C;
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g->OH; oh++) {
      const int64_t ih0 = oh * g->sh - g->pt;
      const int64_t khLo = ih0 < 0 ? -ih0 : 0, khHi = g->KH < g->H - ih0 ? g->KH : g->H - ih0;
      for (int64_t ow = 0; ow < g->OW; ow++) {
        const int64_t iw0 = ow * g->sw - g->pl;
        const int64_t kwLo = iw0 < 0 ? -iw0 : 0, kwHi = g->KW < g->W - iw0 ? g->KW : g->W - iw0;
        int32_t count = 0;
        for (int64_t kh = khLo; kh < khHi; kh++)
          for (int64_t kw = kwLo; kw < kwHi; kw++) offsets[count++] = (((b * g->H + ih0 + kh) * g->W) + iw0 + kw) * C;
        if (count == 0) continue;
        const float* x0 = x + offsets[0];
        for (int64_t c = 0; c < C; c++) { best[c] = x0[c]; at[c] = 0; }
        for (int32_t j = 1; j < count; j++) {
          const float* xj = x + offsets[j];
          for (int64_t c = 0; c < C; c++) {
            /* An integer mask, not a branch on the compare: GCC vectorises only this form. */
            const float v = xj[c], m = best[c];
            const int32_t above = -(int32_t)(v > m);
            best[c] = v > m ? v : m;
            at[c] = (at[c] & ~above) | (j & above);
          }
        }
        const float* gv = dy + ((b * g->OH + oh) * g->OW + ow) * C;
        for (int64_t c = 0; c < C; c++) dx[offsets[at[c]] + c] += gv[c];
      }
    }
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
  /* Images are independent (each scatters into its own dx), so the threads split them. */
  const int64_t window = g.KH * g.KW, threads = omp_get_max_threads();
  float* best = malloc(sizeof(float) * (size_t)(g.C * threads));
  int32_t* at = malloc(sizeof(int32_t) * (size_t)(g.C * threads));
  int64_t* offsets = malloc(sizeof(int64_t) * (size_t)(window * threads));
  if (!best || !at || !offsets) {
    free(best); free(at); free(offsets);
    fail(&a, "maxPoolGrad: out of memory");
    return NULL;
  }
  OMP(omp parallel if (g.B > 1 && g.B * g.H * g.W * g.C >= PARALLEL_MIN_FLOATS) num_threads(threads))
  {
    int64_t b0, b1;
    const int t = omp_get_thread_num();
    row_share(g.B, &b0, &b1);
    if (b0 < b1) max_pool_grad_images(&g, x, dy, dx, b0, b1, best + t * g.C, at + t * g.C, offsets + t * window);
  }
  free(best);
  free(at);
  free(offsets);
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

/* x·scale + shift per channel into y, rows split over the threads. */
static void scale_shift_rows(const float* restrict x, int64_t rows, int64_t C, const float* scale, const float* shift, float* restrict y) {
  OMP(omp parallel if (rows * C >= PARALLEL_MIN_FLOATS))
  {
    int64_t r0, r1;
    row_share(rows, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
    }
  }
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
  scale_shift_rows(x, rows, C, scale, shift, y);
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
  OMP(omp parallel if (rows * C >= PARALLEL_MIN_FLOATS))
  {
    int64_t r0, r1;
    row_share(rows, &r0, &r1);
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * C;
      const float* gr = dy + r * C;
      float* dr = dx + r * C;
      for (int64_t c = 0; c < C; c++) dr[c] = A[c] * gr[c] + Bc[c] * (xr[c] - mu[c]) + K[c];
    }
  }
  free(s);
  return NULL;
}

/*
 * Group norm over x [N, HW, C] (NHWC, rows of C channels per sample), G groups of
 * C/G consecutive channels: per sample and group the mean and biased variance
 * over its HW·C/G values (float64 sums, shifted by the group's first value as
 * in bnForward), y = (x − mean)/√(var + ε)·γ + β. Samples are independent, so
 * the threads split them and the results do not depend on the thread count.
 */
static void gn_forward_sample(const float* restrict x, int64_t HW, int64_t C, int64_t G, const float* gamma, const float* beta,
                              double eps, float* restrict y, float* mean, float* var, double* s, float* scale, float* shift) {
  const int64_t Cg = C / G;
  double* s1 = s;
  double* s2 = s + G;
  for (int64_t g = 0; g < G; g++) s1[g] = s2[g] = 0;
  for (int64_t r = 0; r < HW; r++) {
    const float* xr = x + r * C;
    for (int64_t g = 0; g < G; g++) {
      const float x0 = x[g * Cg];
      double a = 0, b = 0;
      for (int64_t k = 0; k < Cg; k++) {
        const double d = (double)(xr[g * Cg + k] - x0);
        a += d;
        b += d * d;
      }
      s1[g] += a;
      s2[g] += b;
    }
  }
  const double count = (double)(HW * Cg);
  for (int64_t g = 0; g < G; g++) {
    const double m = s1[g] / count;
    double v = s2[g] / count - m * m;
    if (v < 0) v = 0;
    const double mu = (double)x[g * Cg] + m, inv = 1.0 / sqrt(v + eps);
    mean[g] = (float)mu;
    var[g] = (float)v;
    for (int64_t k = 0; k < Cg; k++) {
      const int64_t c = g * Cg + k;
      scale[c] = (float)((double)gamma[c] * inv);
      shift[c] = (float)((double)beta[c] - mu * (double)gamma[c] * inv);
    }
  }
  for (int64_t r = 0; r < HW; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
  }
}

/* C from gamma (argument gi) and HW from x (argument xi) of a group norm over N samples in G groups; false after a thrown error. */
static bool gn_shape(Args* a, size_t xi, size_t gi, int64_t N, int64_t G, int64_t* C, int64_t* HW, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  char message[96];
  napi_get_typedarray_info(a->env, a->argv[gi], &type, &length, NULL, NULL, NULL);
  *C = (int64_t)length;
  if (N < 1 || G < 1 || *C < 1 || *C % G != 0) {
    snprintf(message, sizeof(message), "%s: N, G >= 1 and C (gamma's length) a multiple of G", name);
    return fail(a, message);
  }
  napi_get_typedarray_info(a->env, a->argv[xi], &type, &length, NULL, NULL, NULL);
  if ((int64_t)length % (N * *C) != 0 || length == 0) {
    snprintf(message, sizeof(message), "%s: x must hold N·HW·C values", name);
    return fail(a, message);
  }
  *HW = (int64_t)length / (N * *C);
  return true;
}

/* gnForward(x, N, G, gamma, beta, eps, y, mean, variance): x and y [N, HW, C], mean and variance [N, G]. */
static napi_value GnForward(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 9, "gnForward(x, N, G, gamma, beta, eps, y, mean, variance)")) return NULL;
  const int64_t N = int_arg(&a, 1), G = int_arg(&a, 2);
  const double eps = num_arg(&a, 5);
  int64_t C, HW;
  if (a.failed || !gn_shape(&a, 0, 3, N, G, &C, &HW, "gnForward")) return NULL;
  const float* x = f32_arg(&a, 0, N * HW * C);
  const float* gamma = f32_arg(&a, 3, C);
  const float* beta = f32_arg(&a, 4, C);
  float* y = f32_arg(&a, 6, N * HW * C);
  float* mean = f32_arg(&a, 7, N * G);
  float* var = f32_arg(&a, 8, N * G);
  if (a.failed) return NULL;
  const int threads = omp_get_max_threads();
  double* s = malloc(sizeof(double) * (size_t)(2 * G * threads));
  float* affine = malloc(sizeof(float) * (size_t)(2 * C * threads));
  if (!s || !affine) { free(s); free(affine); fail(&a, "gnForward: out of memory"); return NULL; }
  OMP(omp parallel for if (N > 1 && N * HW * C >= PARALLEL_MIN_FLOATS) num_threads(threads) schedule(static))
  for (int64_t n = 0; n < N; n++) {
    const int t = omp_get_thread_num();
    gn_forward_sample(x + n * HW * C, HW, C, G, gamma, beta, eps, y + n * HW * C, mean + n * G, var + n * G,
                      s + 2 * G * t, affine + 2 * C * t, affine + 2 * C * t + C);
  }
  free(s);
  free(affine);
  return NULL;
}

/*
 * Its gradient. Per sample and group, with r = 1/√(var + ε), S = HW·C/G values and
 * the sums A = Σ dy·γ, B = Σ dy·γ·(x − mean):
 *   dx = r·(dy·γ − A/S − (x − mean)·r²·B/S) + dmean/S + 2·dvar·(x − mean)/S,
 * dmean and dvar the gradients reaching the returned statistics; per channel
 * dγ = Σ dy·(x − mean)·r and dβ = Σ dy, each sample's share summed in its
 * pass and the shares added in sample order.
 */
static void gn_backward_sample(const float* restrict x, const float* restrict dy, int64_t HW, int64_t C, int64_t G,
                               const float* mean, const float* var, const float* gamma, const float* dmean, const float* dvar,
                               double eps, float* restrict dx, double* s, float* coef, double* restrict part) {
  const int64_t Cg = C / G;
  double* A = s;
  double* B = s + G;
  /* This sample's share of dγ and dβ per channel, its mean and 1/σ spread to channels. */
  double* restrict pg = part;
  double* restrict pb = part + C;
  double* restrict mc = part + 2 * C;
  double* restrict rc = part + 3 * C;
  for (int64_t g = 0; g < G; g++) A[g] = B[g] = 0;
  for (int64_t c = 0; c < C; c++) {
    pg[c] = pb[c] = 0;
    mc[c] = (double)mean[c / Cg];
    rc[c] = 1.0 / sqrt((double)var[c / Cg] + eps);
  }
  for (int64_t r = 0; r < HW; r++) {
    const float* xr = x + r * C;
    const float* gr = dy + r * C;
    for (int64_t g = 0; g < G; g++) {
      double a = 0, b = 0;
      for (int64_t k = 0; k < Cg; k++) {
        const int64_t c = g * Cg + k;
        const double d = (double)gr[c] * (double)gamma[c];
        a += d;
        b += d * (double)(xr[c] - mean[g]);
      }
      A[g] += a;
      B[g] += b;
    }
    for (int64_t c = 0; c < C; c++) {
      pg[c] += (double)gr[c] * (((double)xr[c] - mc[c]) * rc[c]);
      pb[c] += (double)gr[c];
    }
  }
  /* dx = P_c·dy + Q_g·(x − mean) + K_g, with P_c = γ_c·r_g. */
  float* P = coef;
  float* Q = coef + C;
  float* K = coef + C + G;
  const double S = (double)(HW * Cg);
  for (int64_t g = 0; g < G; g++) {
    const double r = 1.0 / sqrt((double)var[g] + eps);
    for (int64_t k = 0; k < Cg; k++) P[g * Cg + k] = (float)((double)gamma[g * Cg + k] * r);
    Q[g] = (float)((-r * r * r * B[g] + 2.0 * (double)dvar[g]) / S);
    K[g] = (float)((-r * A[g] + (double)dmean[g]) / S);
  }
  for (int64_t r = 0; r < HW; r++) {
    const float* xr = x + r * C;
    const float* gr = dy + r * C;
    float* dr = dx + r * C;
    for (int64_t g = 0; g < G; g++)
      for (int64_t k = 0; k < Cg; k++) {
        const int64_t c = g * Cg + k;
        dr[c] = P[c] * gr[c] + Q[g] * (xr[c] - mean[g]) + K[g];
      }
  }
}

/* gnBackward(x, dy, N, G, mean, variance, gamma, dmean, dvariance, eps, dx, dgamma, dbeta) */
static napi_value GnBackward(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 13, "gnBackward(x, dy, N, G, mean, variance, gamma, dmean, dvariance, eps, dx, dgamma, dbeta)")) return NULL;
  const int64_t N = int_arg(&a, 2), G = int_arg(&a, 3);
  const double eps = num_arg(&a, 9);
  int64_t C, HW;
  if (a.failed || !gn_shape(&a, 0, 6, N, G, &C, &HW, "gnBackward")) return NULL;
  const float* x = f32_arg(&a, 0, N * HW * C);
  const float* dy = f32_arg(&a, 1, N * HW * C);
  const float* mean = f32_arg(&a, 4, N * G);
  const float* var = f32_arg(&a, 5, N * G);
  const float* gamma = f32_arg(&a, 6, C);
  const float* dmean = f32_arg(&a, 7, N * G);
  const float* dvar = f32_arg(&a, 8, N * G);
  float* dx = f32_arg(&a, 10, N * HW * C);
  float* dgamma = f32_arg(&a, 11, C);
  float* dbeta = f32_arg(&a, 12, C);
  if (a.failed) return NULL;
  const int threads = omp_get_max_threads();
  /* Per thread 2·G sums and C + 2·G coefficients; per sample 4·C doubles (its dγ, dβ, means and scales per channel). */
  double* s = malloc(sizeof(double) * (size_t)(2 * G * threads));
  float* coef = malloc(sizeof(float) * (size_t)((C + 2 * G) * threads));
  double* part = malloc(sizeof(double) * (size_t)(4 * C * N));
  if (!s || !coef || !part) { free(s); free(coef); free(part); fail(&a, "gnBackward: out of memory"); return NULL; }
  OMP(omp parallel for if (N > 1 && N * HW * C >= PARALLEL_MIN_FLOATS) num_threads(threads) schedule(static))
  for (int64_t n = 0; n < N; n++) {
    const int t = omp_get_thread_num();
    gn_backward_sample(x + n * HW * C, dy + n * HW * C, HW, C, G, mean + n * G, var + n * G, gamma, dmean + n * G, dvar + n * G,
                       eps, dx + n * HW * C, s + 2 * G * t, coef + (C + 2 * G) * t, part + 4 * C * n);
  }
  /* dγ and dβ: the samples' shares added in sample order. */
  for (int64_t c = 0; c < C; c++) {
    double sg = 0, sb = 0;
    for (int64_t n = 0; n < N; n++) {
      sg += part[4 * C * n + c];
      sb += part[4 * C * n + C + c];
    }
    dgamma[c] = (float)sg;
    dbeta[c] = (float)sb;
  }
  free(part);
  free(s);
  free(coef);
  return NULL;
}

/*
 * columnSum(x, C, out): out[c] = Σ_r x[r·C + c] over x viewed as [rows, C]
 * (a Sum over leading axes: bias gradients). Each column adds its rows in
 * order in float32, as the wasm Sum does after transposing them innermost,
 * so the bits are the same without the transpose.
 */
static void column_sum(const float* restrict x, int64_t rows, int64_t C, float* restrict out) {
  for (int64_t c = 0; c < C; c++) out[c] = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    for (int64_t c = 0; c < C; c++) out[c] += xr[c];
  }
}

static napi_value ColumnSum(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 3, "columnSum(x, C, out)")) return NULL;
  int64_t C;
  const int64_t rows = bn_rows(&a, 0, 1, "columnSum: x must be a non-empty [rows, C] array with C >= 1", &C);
  if (a.failed) return NULL;
  const float* x = f32_arg(&a, 0, rows * C);
  float* out = f32_arg(&a, 2, C);
  if (a.failed) return NULL;
  column_sum(x, rows, C, out);
  return NULL;
}

/*
 * binary(op, a, b, out, rows, cols, broadcast): out = a + b (op 0) or a · b (op 1)
 * over a viewed as [rows, cols], b of the same shape (broadcast 0), a [cols]
 * row repeated down the rows (1), or a [rows] column repeated across (2).
 */
static void binary_range(int op, const float* restrict a, const float* restrict b, float* restrict out,
                         int64_t cols, int broadcast, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    const float* ar = a + r * cols;
    const float* br = broadcast == 0 ? b + r * cols : b;
    float* o = out + r * cols;
    if (broadcast == 2) {
      const float v = b[r];
      if (op == 0) for (int64_t c = 0; c < cols; c++) o[c] = ar[c] + v;
      else for (int64_t c = 0; c < cols; c++) o[c] = ar[c] * v;
    } else if (op == 0) {
      for (int64_t c = 0; c < cols; c++) o[c] = ar[c] + br[c];
    } else {
      for (int64_t c = 0; c < cols; c++) o[c] = ar[c] * br[c];
    }
  }
}

static napi_value Binary(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 7, "binary(op, a, b, out, rows, cols, broadcast)")) return NULL;
  const int64_t op = int_arg(&a, 0), rows = int_arg(&a, 4), cols = int_arg(&a, 5), broadcast = int_arg(&a, 6);
  if (a.failed) return NULL;
  if (op < 0 || op > 1 || broadcast < 0 || broadcast > 2 || rows < 0 || cols < 0) { fail(&a, "binary: invalid op, shape or broadcast"); return NULL; }
  const float* x = f32_arg(&a, 1, rows * cols);
  const float* y = f32_arg(&a, 2, broadcast == 0 ? rows * cols : broadcast == 1 ? cols : rows);
  float* out = f32_arg(&a, 3, rows * cols);
  if (a.failed) return NULL;
  OMP(omp parallel if (rows * cols >= PARALLEL_MIN_FLOATS))
  {
    const int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
    binary_range((int)op, x, y, out, cols, (int)broadcast, rows * t / T, rows * (t + 1) / T);
  }
  return NULL;
}

/*
 * The Float32Array arguments at `at[0..count)`, all of one length (returned;
 * -1 after a thrown error), into `out`.
 */
static int64_t same_length_arrays(Args* a, const size_t* at, size_t count, float** out, const char* message) {
  int64_t n = -1;
  for (size_t k = 0; k < count; k++) {
    size_t length = 0;
    napi_typedarray_type type;
    if (!(out[k] = f32_arg(a, at[k], 0))) return -1;
    napi_get_typedarray_info(a->env, a->argv[at[k]], &type, &length, NULL, NULL, NULL);
    if (n >= 0 && (int64_t)length != n) { fail(a, message); return -1; }
    n = (int64_t)length;
  }
  return n;
}

/*
 * sgdUpdate(p, buf, g, lr, momentum, weightDecay, nesterov, pOut, bufOut): one SGD
 * step with momentum in one pass, the operations of src/train/optimizers/sgd.ts
 * in their order and in float32 (so bit for bit what its tfjs ops compute):
 * g += wd·p (wd > 0); buf = m·buf + g; p -= lr·(nesterov ? g + m·buf : buf).
 */
static napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 9, "sgdUpdate(p, buf, g, lr, momentum, weightDecay, nesterov, pOut, bufOut)")) return NULL;
  float* v[5];
  const size_t at[] = {0, 1, 2, 7, 8};
  const int64_t n = same_length_arrays(&a, at, 5, v, "sgdUpdate: p, buf, g, pOut and bufOut must have one length");
  const float lr = (float)num_arg(&a, 3), m = (float)num_arg(&a, 4), wd = (float)num_arg(&a, 5);
  const bool nesterov = bool_arg(&a, 6);
  if (a.failed) return NULL;
  const float* restrict p = v[0];
  const float* restrict buf = v[1];
  const float* restrict g = v[2];
  float* restrict p_out = v[3];
  float* restrict buf_out = v[4];
  const bool decay = wd > 0;
  OMP(omp parallel for if (n >= PARALLEL_MIN_FLOATS) schedule(static))
  for (int64_t i = 0; i < n; i++) {
    const float gi = decay ? g[i] + p[i] * wd : g[i];
    const float b = buf[i] * m + gi;
    buf_out[i] = b;
    p_out[i] = p[i] - (nesterov ? gi + b * m : b) * lr;
  }
  return NULL;
}

/* reluGrad(dy, x, dx): dx = dy · (x > 0 ? 1 : 0), the product tfjs' Relu gradient takes (NaN x gives 0, as the wasm Step). */
static napi_value ReluGrad(napi_env env, napi_callback_info info) {
  Args a = {.env = env};
  if (!get_args(&a, info, 3, "reluGrad(dy, x, dx)")) return NULL;
  float* v[3];
  const size_t at[] = {0, 1, 2};
  const int64_t n = same_length_arrays(&a, at, 3, v, "reluGrad: dy, x and dx must have one length");
  if (a.failed) return NULL;
  const float* restrict dy = v[0];
  const float* restrict x = v[1];
  float* restrict dx = v[2];
  /* The 1 or 0 through an integer mask, not a branch on the compare: GCC vectorises only this form. */
  OMP(omp parallel for if (n >= PARALLEL_MIN_FLOATS) schedule(static))
  for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (float)(-(int32_t)(x[i] > 0) & 1);
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
    {"gnForward", NULL, GnForward, NULL, NULL, NULL, napi_enumerable, NULL},
    {"gnBackward", NULL, GnBackward, NULL, NULL, NULL, napi_enumerable, NULL},
    {"binary", NULL, Binary, NULL, NULL, NULL, napi_enumerable, NULL},
    {"columnSum", NULL, ColumnSum, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sgdUpdate", NULL, SgdUpdate, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reluGrad", NULL, ReluGrad, NULL, NULL, NULL, napi_enumerable, NULL},
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
