/*
 * NativeRowKernel's functions (dev.seedj.core.nn): dot products of a matrix's rows with one float32 vector, the
 * matrix-vector product of decoding one token, in AVX-512 with software prefetch.
 *
 * Decoding reads every weight once per token, so the product runs at the rate the cores can pull the matrix from
 * memory. Each core reads four rows side by side, a quarter of its rows apart (four streams), and asks for the bytes
 * PREFETCH_BYTES ahead of each stream before it needs them: the Vector API kernel cannot prefetch, and its int8 rows,
 * which cost a conversion per value, read 17-20 GB/s on two cores where this reads 24-25 (docs/benchmarks.md).
 *
 * Elements are summed in the same order whether a row is read with three others or alone, so a row's result does not
 * depend on how the rows were split between threads. The caller (NativeRowKernel.java) checks every size and offset
 * before it calls in; nothing here is given a length it has not checked.
 *
 * Built by seed-core's pom.xml on Linux x86-64 (gcc); the AVX-512 functions carry their own target attribute, so the
 * library loads on any x86-64 CPU, and supported() tells Java whether it may call them.
 */
#include <immintrin.h>
#include <jni.h>
#include <stddef.h>
#include <stdint.h>

/* MatVec.Storage's ordinals. */
enum storage { FLOAT32 = 0, BFLOAT16 = 1, INT8 = 2 };

/* How far ahead of each row's reads its bytes are prefetched: 1-2 KB read fastest in a probe (docs/benchmarks.md). */
#define PREFETCH_BYTES 2048
/* A step of a row's loop reads one 64-byte cache line of it. */
#define LINE 64

#define AVX512 __attribute__((target("avx512f")))
#define INLINE_AVX512 static inline __attribute__((always_inline, target("avx512f")))

static inline int element_bytes(int storage) {
    return storage == FLOAT32 ? 4 : storage == BFLOAT16 ? 2 : 1;
}

/* 16 bfloat16 values [16 x 16 bits] widened to floats: each is the upper half of its float. */
INLINE_AVX512 __m512 bfloat16_to_float(const uint8_t *p) {
    __m512i widened = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *) p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(widened, 16));
}

/* 16 int8 values widened to floats. */
INLINE_AVX512 __m512 int8_to_float(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) p)));
}

/*
 * acc + W[row, i : i + n] * x[i : i + n] lane by lane, for the n elements of one cache line (16 float32, 32 bfloat16,
 * 64 int8), starting at element i of the row that starts at row.
 */
INLINE_AVX512 __m512 line(int storage, const uint8_t *row, const float *x, int i, __m512 acc) {
    switch (storage) {
    case FLOAT32:
        return _mm512_fmadd_ps(_mm512_loadu_ps((const float *) row + i), _mm512_loadu_ps(x + i), acc);
    case BFLOAT16:
        acc = _mm512_fmadd_ps(bfloat16_to_float(row + 2 * i), _mm512_loadu_ps(x + i), acc);
        return _mm512_fmadd_ps(bfloat16_to_float(row + 2 * i + 32), _mm512_loadu_ps(x + i + 16), acc);
    default:
        for (int k = 0; k < 64; k += 16) {
            acc = _mm512_fmadd_ps(int8_to_float(row + i + k), _mm512_loadu_ps(x + i + k), acc);
        }
        return acc;
    }
}

/* The row's result from its accumulator: the lanes' sum, the elements from bound on in scalar code, the scale. */
INLINE_AVX512 float finish(int storage, __m512 acc, const uint8_t *row, const float *x, int in, int bound,
        const float *scales, int r) {
    float tail = 0;
    for (int i = bound; i < in; i++) {
        float w;
        if (storage == FLOAT32) {
            w = ((const float *) row)[i];
        } else if (storage == BFLOAT16) {
            uint32_t bits = (uint32_t) ((const uint16_t *) row)[i] << 16;
            __builtin_memcpy(&w, &bits, sizeof w);
        } else {
            w = (float) ((const int8_t *) row)[i];
        }
        tail += w * x[i];
    }
    float sum = _mm512_reduce_add_ps(acc) + tail;
    return scales == NULL ? sum : sum * scales[r];
}

/*
 * y[r] = scale_r * W[r] x for from <= r < to: rows r, r + apart, r + 2 apart, r + 3 apart read side by side (apart a
 * quarter of the rows), the rows left over alone; each row in one accumulator, one cache line per step.
 */
INLINE_AVX512 void rows(int storage, const uint8_t *w, const float *scales, const float *x, float *y, int in,
        int from, int to) {
    size_t row_bytes = (size_t) in * element_bytes(storage);
    int per_line = LINE / element_bytes(storage);
    int bound = in - in % per_line;
    int apart = (to - from) / 4;
    for (int r = from; r < from + apart; r++) {
        const uint8_t *p0 = w + (size_t) r * row_bytes;
        const uint8_t *p1 = p0 + apart * row_bytes;
        const uint8_t *p2 = p1 + apart * row_bytes;
        const uint8_t *p3 = p2 + apart * row_bytes;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < bound; i += per_line) {
            size_t ahead = (size_t) i * element_bytes(storage) + PREFETCH_BYTES; // a hint: never faults
            _mm_prefetch((const char *) p0 + ahead, _MM_HINT_T0);
            _mm_prefetch((const char *) p1 + ahead, _MM_HINT_T0);
            _mm_prefetch((const char *) p2 + ahead, _MM_HINT_T0);
            _mm_prefetch((const char *) p3 + ahead, _MM_HINT_T0);
            a0 = line(storage, p0, x, i, a0);
            a1 = line(storage, p1, x, i, a1);
            a2 = line(storage, p2, x, i, a2);
            a3 = line(storage, p3, x, i, a3);
        }
        y[r] = finish(storage, a0, p0, x, in, bound, scales, r);
        y[r + apart] = finish(storage, a1, p1, x, in, bound, scales, r + apart);
        y[r + 2 * apart] = finish(storage, a2, p2, x, in, bound, scales, r + 2 * apart);
        y[r + 3 * apart] = finish(storage, a3, p3, x, in, bound, scales, r + 3 * apart);
    }
    for (int r = from + 4 * apart; r < to; r++) {
        const uint8_t *p = w + (size_t) r * row_bytes;
        __m512 a = _mm512_setzero_ps();
        for (int i = 0; i < bound; i += per_line) {
            a = line(storage, p, x, i, a);
        }
        y[r] = finish(storage, a, p, x, in, bound, scales, r);
    }
}

/* rows() once per storage, so that each loop is compiled for its own element type. */
static AVX512 void float32_rows(const uint8_t *w, const float *x, float *y, int in, int from, int to) {
    rows(FLOAT32, w, NULL, x, y, in, from, to);
}

static AVX512 void bfloat16_rows(const uint8_t *w, const float *x, float *y, int in, int from, int to) {
    rows(BFLOAT16, w, NULL, x, y, in, from, to);
}

static AVX512 void int8_rows(const uint8_t *w, const float *scales, const float *x, float *y, int in, int from,
        int to) {
    rows(INT8, w, scales, x, y, in, from, to);
}

/* y += sum_r c[r] W[r, :] for a float32 matrix [rows, n]; each element's terms in the order of the rows. */
static AVX512 void combine(const float *w, const float *c, int rows, float *y, int n) {
    int bound = n - n % 16;
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t) r * n;
        __m512 coefficient = _mm512_set1_ps(c[r]);
        for (int i = 0; i < bound; i += 16) {
            _mm512_storeu_ps(y + i, _mm512_fmadd_ps(_mm512_loadu_ps(row + i), coefficient, _mm512_loadu_ps(y + i)));
        }
        for (int i = bound; i < n; i++) {
            y[i] += c[r] * row[i];
        }
    }
}

JNIEXPORT jboolean JNICALL Java_dev_seedj_core_nn_NativeRowKernel_supported(JNIEnv *env, jclass type) {
    (void) env;
    (void) type;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? JNI_TRUE : JNI_FALSE; // libgcc also checks the OS saves the state
}

/* The Java arrays are pinned (or copied) only around the product: no JNI call happens in between. */
JNIEXPORT void JNICALL Java_dev_seedj_core_nn_NativeRowKernel_productRows(JNIEnv *env, jclass type, jint storage,
        jobject w, jfloatArray scales, jfloatArray x, jfloatArray y, jint from, jint to) {
    (void) type;
    const uint8_t *matrix = (*env)->GetDirectBufferAddress(env, w);
    jint in = (*env)->GetArrayLength(env, x);
    float *xs = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    if (xs == NULL) {
        return; // an OutOfMemoryError is pending
    }
    float *ys = (*env)->GetPrimitiveArrayCritical(env, y, NULL);
    if (ys == NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, x, xs, JNI_ABORT);
        return;
    }
    float *ss = NULL;
    if (scales != NULL) {
        ss = (*env)->GetPrimitiveArrayCritical(env, scales, NULL);
        if (ss == NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, y, ys, JNI_ABORT);
            (*env)->ReleasePrimitiveArrayCritical(env, x, xs, JNI_ABORT);
            return;
        }
    }
    if (storage == FLOAT32) {
        float32_rows(matrix, xs, ys, in, from, to);
    } else if (storage == BFLOAT16) {
        bfloat16_rows(matrix, xs, ys, in, from, to);
    } else {
        int8_rows(matrix, ss, xs, ys, in, from, to);
    }
    if (ss != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, scales, ss, JNI_ABORT);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, y, ys, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, x, xs, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_dev_seedj_core_nn_NativeRowKernel_combineRows(JNIEnv *env, jclass type, jobject w,
        jfloatArray c, jfloatArray y) {
    (void) type;
    const float *matrix = (*env)->GetDirectBufferAddress(env, w);
    jint rows = (*env)->GetArrayLength(env, c);
    jint n = (*env)->GetArrayLength(env, y);
    float *cs = (*env)->GetPrimitiveArrayCritical(env, c, NULL);
    if (cs == NULL) {
        return;
    }
    float *ys = (*env)->GetPrimitiveArrayCritical(env, y, NULL);
    if (ys == NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, c, cs, JNI_ABORT);
        return;
    }
    combine(matrix, cs, rows, ys, n);
    (*env)->ReleasePrimitiveArrayCritical(env, y, ys, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, c, cs, JNI_ABORT);
}
