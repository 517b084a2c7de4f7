/*
 * The OpenBLAS functions detlab_native.c calls, by their plain names. The
 * scipy-openblas32 wheel's library prefixes every symbol (scipy_cblas_sgemm,
 * scipy_openblas_set_num_threads, ...) and its cblas.h declares the prefixed
 * names; scripts/build-native.mjs compiles against it with
 * -DBLAS_SYMBOL_PREFIX=scipy_ (the flag the wheel's own pkg-config file gives),
 * which maps the plain names onto them. Without the define (Debian's
 * libopenblas) the names stay as they are. Include after <cblas.h>.
 */
#ifndef DETLAB_BLAS_NAMES_H
#define DETLAB_BLAS_NAMES_H
#ifdef BLAS_SYMBOL_PREFIX
#define DETLAB_PASTE_(a, b) a##b
#define DETLAB_PASTE(a, b) DETLAB_PASTE_(a, b)
#define cblas_sgemm DETLAB_PASTE(BLAS_SYMBOL_PREFIX, cblas_sgemm)
#define openblas_set_num_threads DETLAB_PASTE(BLAS_SYMBOL_PREFIX, openblas_set_num_threads)
#define openblas_get_num_threads DETLAB_PASTE(BLAS_SYMBOL_PREFIX, openblas_get_num_threads)
#define openblas_get_config DETLAB_PASTE(BLAS_SYMBOL_PREFIX, openblas_get_config)
#endif
#endif
