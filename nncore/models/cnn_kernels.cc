// The seed CNN's two pooling stages, fused with the layers around them (CPU, OpenMP), for the fast recipe.
// Built and loaded by cnn_fused.py; checked against torch's layers there and in tests/test_cnn_fused.py.
//
// conv1_pool: conv1 (1 -> 32 channels, 3x3, bias), 2x2 max pool, ReLU in one pass over each image, and
//   back from the pooled gradient straight to conv1's weight and bias gradients. torch's layers write
//   conv1's (n, 32, 26, 26) maps, pool them, then fill a zeroed map of that size with the pooled
//   gradient: the largest tensors of the step, for 7 % of its arithmetic.
// pool2_forward: conv2's (n, 64, 11, 11) maps, 2x2 max pool (floor: 5x5), ReLU and flatten.
// conv2_pool_backward: from the flattened pooled gradient straight to conv2's weight, bias and input
//   gradients, through each pooled value's winning position only.
//
// Maps are channels-last. Each pooled value keeps which of its four window positions won (0..3), or
// 255 where ReLU zeroed it: the backward passes route the gradient with that byte alone. Ties go to the
// first position and a NaN wins its window and passes ReLU, as in torch (a diverging training shows as
// one). Positions that won nothing take no part in the backward: an infinity or NaN there stays out of
// the gradients, where torch's dense backward multiplies it by their zero gradient. Arithmetic is
// float32; bfloat16 outputs are rounded to nearest even. conv1 computes in float32 also under bfloat16
// autocast, where torch rounds its input and weights to bfloat16 first.
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__)
#define LANES 16          // channels per vector: one AVX-512 register
#else
#define LANES 8           // one AVX2 register (16 would spill: 9 taps + 4 working vectors need 26 of 16)
#endif
template <int N> struct Lanes {                         // N floats in a vector, their bits, as bfloat16
    typedef float f __attribute__((vector_size(4 * N)));
    typedef uint32_t u __attribute__((vector_size(4 * N)));
    typedef uint16_t h __attribute__((vector_size(2 * N)));
};
typedef Lanes<LANES>::f vf;
typedef Lanes<8>::f v8;                                 // conv2's input gradient: 8 channels, in any build
typedef int32_t vi __attribute__((vector_size(4 * LANES)));
typedef uint8_t vb __attribute__((vector_size(LANES)));
static const int C1 = 32, L = LANES, C2 = 64, CHUNK = 16, NONE = 255;

template <int N = LANES> static inline typename Lanes<N>::f load(const float *p) {
    typename Lanes<N>::f v; std::memcpy(&v, p, sizeof v); return v;
}
template <int N = LANES> static inline typename Lanes<N>::f load(const uint16_t *p) {   // bfloat16 -> float:
    typename Lanes<N>::h h; std::memcpy(&h, p, sizeof h);                                  // the upper halves
    typename Lanes<N>::u u = __builtin_convertvector(h, typename Lanes<N>::u) << 16;
    typename Lanes<N>::f v; std::memcpy(&v, &u, sizeof v); return v;
}
template <typename F> static inline void store(float *p, F v) { std::memcpy(p, &v, sizeof v); }
template <typename F> static inline void store(uint16_t *p, F v) {   // float -> bfloat16, round to nearest even
    typedef Lanes<sizeof(F) / 4> V;
    typename V::u u; std::memcpy(&u, &v, sizeof u);
    typename V::u r = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    typename V::h h = __builtin_convertvector(v != v ? (typename V::u){} + 0x7FC0u : r, typename V::h);  // NaN stays NaN
    std::memcpy(p, &h, sizeof h);
}

template <typename T>
static void conv1_pool_image(const float *xi, const float *wt, const float *b, T *out, uint8_t *arg) {
    for (int h = 0; h < C1; h += L) {                   // L channels at a time, their 9 taps in registers
        vf w[9];
        for (int k = 0; k < 9; k++) w[k] = load(wt + k * C1 + h);
        vf bias = load(b + h);
        for (int ph = 0; ph < 13; ph++) for (int pw = 0; pw < 13; pw++) {
            vf best = {}; vi which = {};
            for (int o = 0; o < 4; o++) {
                const float *p = xi + (2 * ph + (o >> 1)) * 28 + 2 * pw + (o & 1);
                vf v = bias;
                for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) v += w[ky * 3 + kx] * p[ky * 28 + kx];
                if (o == 0) best = v;
                else { vi gt = (v > best) | (v != v); best = gt ? v : best; which = gt ? (vi){} + o : which; }
            }
            vi kept = (best > 0.0f) | (best != best);
            long at = (ph * 13 + pw) * C1 + h;
            vb a = __builtin_convertvector(kept ? which : (vi){} + NONE, vb);
            std::memcpy(arg + at, &a, sizeof a);
            store(out + at, kept ? best : (vf){});
        }
    }
}

// x: (n, 28, 28) float; wt: (9, 32) conv1's weights, tap-major; b: (32); out: (n, 13, 13, 32) float or
// bfloat16 (out_bf16); arg: (n, 13, 13, 32).
extern "C" void conv1_pool_forward(const float *x, const float *wt, const float *b, void *out, int out_bf16,
                                   uint8_t *arg, int n, int threads) {
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int i = 0; i < n; i++) {
        if (out_bf16) conv1_pool_image(x + (long)i * 784, wt, b, (uint16_t *)out + (long)i * 169 * C1, arg + (long)i * 169 * C1);
        else conv1_pool_image(x + (long)i * 784, wt, b, (float *)out + (long)i * 169 * C1, arg + (long)i * 169 * C1);
    }
}

template <typename T>
static void conv1_pool_grad_chunk(const float *x, const T *g, const uint8_t *arg, float *sums, int lo, int hi) {
    for (int h = 0; h < C1; h += L) {                   // the 9 weight and 1 bias accumulators in registers
        vf dw[9] = {}, db = {};
        for (int i = lo; i < hi; i++) {
            const float *xi = x + (long)i * 784;
            for (int ph = 0; ph < 13; ph++) for (int pw = 0; pw < 13; pw++) {
                long at = ((long)i * 169 + ph * 13 + pw) * C1 + h;
                vf gv = load(g + at);
                vb a8; std::memcpy(&a8, arg + at, sizeof a8);
                vi a = __builtin_convertvector(a8, vi);
                for (int o = 0; o < 4; o++) {
                    const float *p = xi + (2 * ph + (o >> 1)) * 28 + 2 * pw + (o & 1);
                    vf gm = a == o ? gv : (vf){};
                    db += gm;
                    for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) dw[ky * 3 + kx] += gm * p[ky * 28 + kx];
                }
            }
        }
        for (int k = 0; k < 9; k++) store(sums + k * C1 + h, dw[k]);
        store(sums + 9 * C1 + h, db);
    }
}

// g: the pooled gradient, (n, 13, 13, 32) float or bfloat16 (g_bf16); dw: (9, 32) and db: (32) are
// overwritten. Chunks of 16 images are summed in a fixed order: the same result for any thread count.
extern "C" void conv1_pool_backward(const float *x, const void *g, int g_bf16, const uint8_t *arg, float *dw,
                                    float *db, int n, int threads) {
    int chunks = (n + CHUNK - 1) / CHUNK;
    float *sums = new float[(long)chunks * 10 * C1];
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int c = 0; c < chunks; c++) {
        int lo = c * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;
        if (g_bf16) conv1_pool_grad_chunk(x, (const uint16_t *)g, arg, sums + (long)c * 10 * C1, lo, hi);
        else conv1_pool_grad_chunk(x, (const float *)g, arg, sums + (long)c * 10 * C1, lo, hi);
    }
    for (int j = 0; j < 10 * C1; j++) {
        float s = 0.0f;
        for (int c = 0; c < chunks; c++) s += sums[(long)c * 10 * C1 + j];
        if (j < 9 * C1) dw[j] = s; else db[j - 9 * C1] = s;
    }
    delete[] sums;
}

static inline float value(float v) { return v; }
static inline float value(uint16_t v) { uint32_t u = (uint32_t)v << 16; float f; std::memcpy(&f, &u, 4); return f; }

template <typename T>
static void pool2_image(const T *z, T *out, uint8_t *arg) {
    T pooled[25 * C2];
    for (int p = 0; p < 25; p++) {
        int y = 2 * (p / 5), x = 2 * (p % 5);
        for (int c = 0; c < C2; c++) {
            T best = z[(y * 11 + x) * C2 + c];
            uint8_t which = 0;
            for (int o = 1; o < 4; o++) {
                T v = z[((y + (o >> 1)) * 11 + x + (o & 1)) * C2 + c];
                if (value(v) > value(best) || value(v) != value(v)) { best = v; which = o; }
            }
            bool kept = value(best) > 0.0f || value(best) != value(best);
            pooled[p * C2 + c] = kept ? best : T(0);
            arg[p * C2 + c] = kept ? which : NONE;
        }
    }
    for (int c = 0; c < C2; c++) for (int p = 0; p < 25; p++) out[c * 25 + p] = pooled[p * C2 + c];
}

// z: (n, 11, 11, 64); out: (n, 1600) in torch.flatten's (channel, row, column) order; arg: (n, 25, 64);
// float or bfloat16 (bf16) throughout.
extern "C" void pool2_forward(const void *z, void *out, uint8_t *arg, int bf16, int n, int threads) {
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int i = 0; i < n; i++) {
        if (bf16) pool2_image((const uint16_t *)z + (long)i * 121 * C2, (uint16_t *)out + (long)i * 1600, arg + (long)i * 1600);
        else pool2_image((const float *)z + (long)i * 121 * C2, (float *)out + (long)i * 1600, arg + (long)i * 1600);
    }
}

// conv2_pool: from pool 2's gradient (n, 1600) straight to conv2's weight, bias and input gradients.
// Only a pooled value's winning position passes a gradient back: 25 of conv2's 121 positions per
// channel, fewer where ReLU zeroed the value (about half, once training is under way). torch's
// backward fills the (n, 64, 11, 11) map with the routed gradient, mostly zeros, and runs both
// gradient convolutions over all 121 positions.
template <typename T>
static void to_float(const T *src, float *dst, long count) {    // count: a multiple of LANES
    for (long j = 0; j < count; j += L) store(dst + j, load(src + j));
}

// The weight gradient of images lo..hi-1, one image at a time (its maps in float: L1-sized): each
// channel's 288 weight sums in registers (18 vectors, or 12 per kernel row without AVX-512) over the
// image's winning positions, added to the chunk's sums.
template <typename T>
static void conv2_grad_weight_chunk(const T *x, const uint8_t *arg, const float *gf, float *sums, int lo, int hi) {
    const int RP = L == 16 ? 3 : 1, V = RP * 3 * C1 / L;   // kernel rows per pass
    float xf[169 * C1];
    std::memset(sums, 0, sizeof(float) * (C2 * 9 * C1 + C2));
    for (int i = lo; i < hi; i++) {
        to_float(x + (long)i * 169 * C1, xf, 169 * C1);
        for (int co = 0; co < C2; co++) {
            const float *gi = gf + (long)i * 1600 + co * 25;
            const uint8_t *ai = arg + (long)i * 1600 + co;
            for (int r0 = 0; r0 < 3; r0 += RP) {
                float *out = sums + co * 9 * C1 + r0 * 3 * C1;
                vf acc[V];
                for (int v = 0; v < V; v++) acc[v] = load(out + v * L);
                float db = 0.0f;
                for (int p = 0; p < 25; p++) {
                    int a = ai[p * C2];
                    if (a == NONE) continue;
                    float gv = gi[p];
                    db += gv;
                    const float *row = xf + ((2 * (p / 5) + (a >> 1) + r0) * 13 + 2 * (p % 5) + (a & 1)) * C1;
                    for (int r = 0; r < RP; r++)
                        for (int v = 0; v < 3 * C1 / L; v++) acc[r * (3 * C1 / L) + v] += gv * load(row + r * 13 * C1 + v * L);
                }
                for (int v = 0; v < V; v++) store(out + v * L, acc[v]);
                if (r0 == 0) sums[C2 * 9 * C1 + co] += db;
            }
        }
    }
}

// The input gradient of one image, 8 input channels at a time (their weights, (64, 9, 8), stay in L1):
// for each pooled position the channels are grouped by their winning position, each group's weights
// scaled by the gradient and summed in registers (9 taps), then added to the patch they cover.
template <typename T>
static void conv2_grad_input_image(const float *w, const float *gf, const uint8_t *arg, T *dx) {
    uint8_t count[25][4] = {}, who[25][4][C2];
    for (int p = 0; p < 25; p++) for (int co = 0; co < C2; co++) {
        int a = arg[p * C2 + co];
        if (a != NONE) who[p][a][count[p][a]++] = co;
    }
    float acc[169 * 8];
    for (int h = 0; h < C1; h += 8) {
        const float *wb = w + h * C2 * 9;
        std::memset(acc, 0, sizeof acc);
        for (int p = 0; p < 25; p++) for (int a = 0; a < 4; a++) {
            if (!count[p][a]) continue;
            v8 s[9] = {};
            for (int j = 0; j < count[p][a]; j++) {
                int co = who[p][a][j];
                float gv = gf[co * 25 + p];
                for (int k = 0; k < 9; k++) s[k] += gv * load<8>(wb + (co * 9 + k) * 8);
            }
            float *d = acc + ((2 * (p / 5) + (a >> 1)) * 13 + 2 * (p % 5) + (a & 1)) * 8;
            for (int k = 0; k < 9; k++) {
                float *q = d + ((k / 3) * 13 + k % 3) * 8;
                store(q, load<8>(q) + s[k]);
            }
        }
        for (int j = 0; j < 169; j++) store(dx + j * C1 + h, load<8>(acc + j * 8));
    }
}

// x: conv2's input (n, 13, 13, 32); w: conv2's weights as the forward used them, float, (4, 64, 9, 8):
// input channels in blocks of 8; g: (n, 1600) and arg: (n, 25, 64) as pool2_forward's; float or
// bfloat16 (bf16) x, g and dx. dx: (n, 13, 13, 32), dw: (64, 3, 3, 32), db: (64), overwritten. dw and
// db are summed over chunks of 16 images in a fixed order, dx per image: the same for any thread count.
extern "C" void conv2_pool_backward(const void *x, const float *w, const void *g, const uint8_t *arg, void *dx,
                                    float *dw, float *db, int bf16, int n, int threads) {
    const long S = C2 * 9 * C1 + C2, X = 169 * C1;
    int chunks = (n + CHUNK - 1) / CHUNK;
    float *sums = new float[chunks * S], *gf = new float[(long)n * 1600];
    #pragma omp parallel num_threads(threads)
    {
        #pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            if (bf16) to_float((const uint16_t *)g + (long)i * 1600, gf + (long)i * 1600, 1600);
            else std::memcpy(gf + (long)i * 1600, (const float *)g + (long)i * 1600, 1600 * sizeof(float));
        }
        #pragma omp for schedule(static) nowait
        for (int c = 0; c < chunks; c++) {
            int lo = c * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;
            if (bf16) conv2_grad_weight_chunk((const uint16_t *)x, arg, gf, sums + c * S, lo, hi);
            else conv2_grad_weight_chunk((const float *)x, arg, gf, sums + c * S, lo, hi);
        }
        #pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            if (bf16) conv2_grad_input_image(w, gf + (long)i * 1600, arg + (long)i * 1600, (uint16_t *)dx + i * X);
            else conv2_grad_input_image(w, gf + (long)i * 1600, arg + (long)i * 1600, (float *)dx + i * X);
        }
    }
    for (long j = 0; j < S; j++) {
        float s = 0.0f;
        for (int c = 0; c < chunks; c++) s += sums[c * S + j];
        if (j < C2 * 9 * C1) dw[j] = s; else db[j - C2 * 9 * C1] = s;
    }
    delete[] sums;
    delete[] gf;
}
