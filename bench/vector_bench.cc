// Dense scoring benchmarks: exact top-10 of one need against N capability
// vectors (ours, float and compact, against FAISS IndexFlatIP), batch scoring
// as one GEMM (Eigen through BatchDot against OpenBLAS sgemm), and one core's
// memory read bandwidth as the ceiling a scan can approach. Every comparison
// runs on the same vectors in the same process; the setup checks that the
// three top-k implementations return the same rows and aborts if not.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <faiss/IndexFlat.h>
#include "engine/simd_intrinsics.h"
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "bench/batch_dot.h"
#include "engine/vector_kernels.h"

namespace {

using FaissIdx = faiss::Index::idx_t;

constexpr size_t kDim = 256;
constexpr size_t kTopK = 10;
constexpr size_t kQueries = 64;  // rotated so no single query stays cached
constexpr size_t kBatch = 32;

[[noreturn]] void Die(const char* what, size_t n) {
  std::fprintf(stderr, "vector_bench: %s (N=%zu)\n", what, n);
  std::abort();
}

// Unit-length Gaussian vectors: what normalized text embeddings look like,
// and a distribution with no accidental ties.
std::vector<float> UnitVectors(size_t count, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(count * dim);
  for (size_t i = 0; i < count; ++i) {
    float* row = v.data() + i * dim;
    double norm2 = 0.0;
    for (size_t j = 0; j < dim; ++j) {
      row[j] = normal(rng);
      norm2 += double{row[j]} * row[j];
    }
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm2));
    for (size_t j = 0; j < dim; ++j) row[j] *= inv;
  }
  return v;
}

// One catalog at a time (1M x 256 floats is 1 GB, and FAISS keeps its own
// copy); benchmarks are registered grouped by N so each is built once.
struct Catalog {
  size_t n = 0;
  iisc::VectorMatrix matrix{kDim};
  iisc::QuantizedMatrix compact;
  std::unique_ptr<faiss::IndexFlatIP> faiss_index;
  std::vector<float> queries;
};

std::unique_ptr<Catalog>& CatalogSlot() {
  static std::unique_ptr<Catalog> slot;
  return slot;
}

void CheckSameResults(const Catalog& c) {
  iisc::TopKScratch scratch;
  std::vector<iisc::ScoredRow> exact, compact;
  std::vector<float> distances(kTopK);
  std::vector<FaissIdx> labels(kTopK);
  for (size_t i = 0; i < kQueries; ++i) {
    const float* q = c.queries.data() + i * kDim;
    iisc::ExactTopK(c.matrix, q, nullptr, kTopK, &scratch, &exact);
    iisc::CompactTopK(c.compact, c.matrix, q, nullptr, kTopK, &scratch, &compact);
    c.faiss_index->search(1, q, static_cast<FaissIdx>(kTopK), distances.data(),
                          labels.data());
    const size_t want = std::min(kTopK, c.n);
    if (exact.size() != want || compact.size() != want) Die("wrong result count", c.n);
    for (size_t j = 0; j < want; ++j) {
      if (exact[j].row != compact[j].row || exact[j].score != compact[j].score) {
        Die("CompactTopK differs from ExactTopK", c.n);
      }
      if (static_cast<FaissIdx>(exact[j].row) != labels[j]) {
        Die("FAISS IndexFlatIP returns other rows than ExactTopK", c.n);
      }
    }
  }
}

const Catalog& GetCatalog(size_t n) {
  std::unique_ptr<Catalog>& slot = CatalogSlot();
  if (slot && slot->n == n) return *slot;
  slot.reset();  // free the previous catalog before building the next
  auto c = std::make_unique<Catalog>();
  c->n = n;
  {
    std::vector<float> rows = UnitVectors(n, kDim, 42 + n);
    c->matrix.Reserve(n);
    for (size_t i = 0; i < n; ++i) c->matrix.Append({rows.data() + i * kDim, kDim});
    c->faiss_index = std::make_unique<faiss::IndexFlatIP>(static_cast<FaissIdx>(kDim));
    c->faiss_index->add(static_cast<FaissIdx>(n), rows.data());
  }
  c->compact = iisc::QuantizedMatrix::FromFloat(c->matrix);
  c->queries = UnitVectors(kQueries, kDim, 7);
  CheckSameResults(*c);
  slot = std::move(c);
  return *slot;
}

void SetScanCounters(benchmark::State& state, double bytes_per_query) {
  state.counters["queries_per_s"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["scan_bytes_per_s"] =
      benchmark::Counter(bytes_per_query, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ExactTopK(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  iisc::TopKScratch scratch;
  std::vector<iisc::ScoredRow> out;
  size_t i = 0;
  for (auto _ : state) {
    iisc::ExactTopK(c.matrix, c.queries.data() + (i++ % kQueries) * kDim, nullptr, kTopK,
                    &scratch, &out);
    benchmark::DoNotOptimize(out.data());
  }
  SetScanCounters(state, static_cast<double>(c.n * c.matrix.stride() * sizeof(float)));
  state.SetLabel(iisc::KernelVariant());
}

void BM_CompactTopK(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  iisc::TopKScratch scratch;
  std::vector<iisc::ScoredRow> out;
  size_t i = 0, shortlisted = 0;
  for (auto _ : state) {
    iisc::CompactTopK(c.compact, c.matrix, c.queries.data() + (i++ % kQueries) * kDim, nullptr,
                      kTopK, &scratch, &out);
    benchmark::DoNotOptimize(out.data());
    shortlisted += scratch.shortlist.size();
  }
  SetScanCounters(state, static_cast<double>(c.compact.bytes()));
  state.counters["shortlist"] = benchmark::Counter(
      static_cast<double>(shortlisted) / static_cast<double>(std::max<size_t>(1, i)));
  state.SetLabel(iisc::KernelVariant());
}

void BM_FaissFlatIP(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  std::vector<float> distances(kTopK);
  std::vector<FaissIdx> labels(kTopK);
  size_t i = 0;
  for (auto _ : state) {
    c.faiss_index->search(1, c.queries.data() + (i++ % kQueries) * kDim,
                          static_cast<FaissIdx>(kTopK), distances.data(), labels.data());
    benchmark::DoNotOptimize(labels.data());
  }
  SetScanCounters(state, static_cast<double>(c.n * kDim * sizeof(float)));
}

// One core's read bandwidth: a streaming sum over 1 GiB (far beyond the LLC),
// with the widest loads the CPU has so the loop is never the bottleneck.
__attribute__((target("avx512f"))) float SumAvx512(const float* p, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

float SumPortable(const float* p, size_t n) {
  float acc[16] = {};
  for (size_t i = 0; i < n; i += 16) {
    for (size_t j = 0; j < 16; ++j) acc[j] += p[i + j];
  }
  float s = 0.0f;
  for (float a : acc) s += a;
  return s;
}

void BM_MemoryReadBandwidth(benchmark::State& state) {
  const size_t floats = size_t{1} << 28;  // 1 GiB
  std::unique_ptr<float, decltype(&std::free)> buffer(
      static_cast<float*>(std::aligned_alloc(64, floats * sizeof(float))), &std::free);
  for (size_t i = 0; i < floats; ++i) buffer.get()[i] = static_cast<float>(i & 7);
  const bool wide = __builtin_cpu_supports("avx512f");
  for (auto _ : state) {
    benchmark::DoNotOptimize(wide ? SumAvx512(buffer.get(), floats)
                                  : SumPortable(buffer.get(), floats));
  }
  state.counters["read_bytes_per_s"] = benchmark::Counter(
      static_cast<double>(floats * sizeof(float)), benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------- batch

struct BatchData {
  std::vector<float> queries = UnitVectors(kBatch, kDim, 9);
  std::vector<float> out;
};

BatchData& Batch() {
  static BatchData b;
  return b;
}

void CheckBatchAgreement(const Catalog& c) {
  static bool checked = false;
  if (checked) return;
  BatchData& b = Batch();
  std::vector<float> ours(kBatch * c.n), blas(kBatch * c.n);
  iisc::BatchDot(c.matrix, b.queries.data(), kBatch, ours.data());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kBatch, static_cast<int>(c.n), kDim, 1.0f,
              b.queries.data(), kDim, c.matrix.data(), static_cast<int>(c.matrix.stride()),
              0.0f, blas.data(), static_cast<int>(c.n));
  for (size_t i = 0; i < ours.size(); ++i) {
    // Unit vectors: every |score| <= 1, so an absolute tolerance suffices.
    if (std::fabs(ours[i] - blas[i]) > 1e-5f) Die("BatchDot disagrees with sgemm", c.n);
  }
  checked = true;
}

void SetBatchCounters(benchmark::State& state, size_t n, size_t needs) {
  state.counters["flop_per_s"] = benchmark::Counter(
      2.0 * static_cast<double>(needs * n * kDim), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["needs_per_s"] = benchmark::Counter(
      static_cast<double>(needs), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_BatchDot(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  CheckBatchAgreement(c);
  const auto needs = static_cast<size_t>(state.range(1));
  BatchData& b = Batch();
  b.out.resize(kBatch * c.n);
  for (auto _ : state) {
    iisc::BatchDot(c.matrix, b.queries.data(), needs, b.out.data());
    benchmark::DoNotOptimize(b.out.data());
  }
  SetBatchCounters(state, c.n, needs);
  state.SetLabel(iisc::KernelVariant());
}

void BM_DotAllSingle(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  BatchData& b = Batch();
  b.out.resize(kBatch * c.n);
  for (auto _ : state) {
    iisc::DotAll(c.matrix, b.queries.data(), b.out.data());
    benchmark::DoNotOptimize(b.out.data());
  }
  SetBatchCounters(state, c.n, 1);
}

void BM_OpenBlasSgemm(benchmark::State& state) {
  const Catalog& c = GetCatalog(static_cast<size_t>(state.range(0)));
  CheckBatchAgreement(c);
  const auto needs = static_cast<size_t>(state.range(1));
  BatchData& b = Batch();
  b.out.resize(kBatch * c.n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(needs),
                static_cast<int>(c.n), kDim, 1.0f, b.queries.data(), kDim, c.matrix.data(),
                static_cast<int>(c.matrix.stride()), 0.0f, b.out.data(), static_cast<int>(c.n));
    benchmark::DoNotOptimize(b.out.data());
  }
  SetBatchCounters(state, c.n, needs);
}

}  // namespace

int main(int argc, char** argv) {
  // Peers on one thread, like our kernels: the comparison is per core.
  omp_set_num_threads(1);
  openblas_set_num_threads(1);

  benchmark::RegisterBenchmark("MemoryReadBandwidth", BM_MemoryReadBandwidth)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (int64_t n : {300, 10'000, 100'000, 1'000'000}) {
    const auto unit = n >= 100'000 ? benchmark::kMillisecond : benchmark::kMicrosecond;
    benchmark::RegisterBenchmark("ExactTopK", BM_ExactTopK)->Arg(n)->Unit(unit)->UseRealTime();
    benchmark::RegisterBenchmark("CompactTopK", BM_CompactTopK)->Arg(n)->Unit(unit)->UseRealTime();
    benchmark::RegisterBenchmark("FaissFlatIP", BM_FaissFlatIP)->Arg(n)->Unit(unit)->UseRealTime();
    if (n == 100'000) {
      benchmark::RegisterBenchmark("BatchDot", BM_BatchDot)
          ->Args({n, static_cast<int64_t>(kBatch)})
          ->Args({n, 1})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("DotAllSingle", BM_DotAllSingle)
          ->Arg(n)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark("OpenBlasSgemm", BM_OpenBlasSgemm)
          ->Args({n, static_cast<int64_t>(kBatch)})
          ->Args({n, 1})
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
