#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "cuda/adamw_kernels.cuh"
#include "student/adamw.h"
#include "cuda/bow_gpu_trainer.h"
#include "cuda/cuda_devices.h"
#include "cuda/dense_kernels.cuh"
#include "cuda/device_buffer.cuh"
#include "cuda/embedding_bag_kernels.cuh"
#include "cuda/loss_kernels.cuh"

namespace ernie_slim {
namespace cuda {

namespace {
using student::Model;
using student::Parameter;

// The host stops enqueuing after a non-finite step within this many steps.
constexpr int64_t kStepsBetweenChecks = 64;

// A dense parameter on the device with its AdamW moments and its gradient.
struct DenseParameter {
  DeviceBuffer<float> value, m, v, grad;
  long size = 0;
  bool decay = false;
};

// The rows of one epoch (or one test batch), laid out on the device in the order they are visited, so
// that every batch is a contiguous slice.
struct OrderedRows {
  std::vector<int32_t> tokens, start, length, labels;
  std::vector<float> teacher;        // rows x L, or empty
  std::vector<int32_t> with_target;  // per batch: rows that have a target

  void Build(const student::TrainingData& data, const int32_t* order, int64_t n, int labels_count, int64_t batch) {
    tokens.clear();
    start.resize(n);
    length.resize(n);
    labels.resize(n);
    teacher.assign(data.teacher ? n * labels_count : 0, 0.0f);
    with_target.assign((n + batch - 1) / batch, 0);
    int64_t total = 0;
    for (int64_t i = 0; i < n; ++i) total += data.rows.offsets[order[i] + 1] - data.rows.offsets[order[i]];
    tokens.reserve(total);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t r = order[i], b = data.rows.offsets[r], e = data.rows.offsets[r + 1];
      start[i] = static_cast<int32_t>(tokens.size());
      length[i] = e - b;
      tokens.insert(tokens.end(), data.rows.ids + b, data.rows.ids + e);
      labels[i] = data.labels[r];
      if (data.teacher) {
        std::memcpy(teacher.data() + i * labels_count, data.teacher + static_cast<int64_t>(r) * labels_count,
                    labels_count * sizeof(float));
      }
      with_target[i / batch] += !data.TargetOf(r, labels_count).empty();
    }
  }
};

class BowGpuTrainerImpl final : public BowGpuTrainer {
 public:
  explicit BowGpuTrainerImpl(const Model& model) : config_(model.config()) {
    CheckCuda(cudaSetDevice(0), "cudaSetDevice");
    CheckCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    const auto& params = model.parameters();
    embedding_index_ = model.FindParameter("embedding");
    for (const char* name : {"dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias"}) {
      dense_index_.push_back(model.FindParameter(name));
    }
    const int64_t rows = config_.embedding_rows(), E = config_.embed_dim;
    const Parameter& emb = params[embedding_index_];
    table_.Upload(emb.value.data(), emb.size(), stream_);
    moments_.Upload(emb.m.data(), emb.m.size(), stream_);
    grad_.Zero(rows * E, stream_);
    touched_flag_.Zero(rows, stream_);
    touched_rows_.Reserve(rows);
    touched_count_.Zero(1, stream_);
    dense_.resize(dense_index_.size());
    for (size_t k = 0; k < dense_index_.size(); ++k) {
      const Parameter& p = params[dense_index_[k]];
      DenseParameter& d = dense_[k];
      d.size = static_cast<long>(p.size());
      d.decay = p.decay;
      d.value.Upload(p.value.data(), p.size(), stream_);
      d.m.Upload(p.m.data(), p.size(), stream_);
      d.v.Upload(p.v.data(), p.size(), stream_);
      d.grad.Zero(p.size(), stream_);
    }
    scalars_.Zero(3, stream_);
    scale_.Zero(1, stream_);
    bad_.Zero(1, stream_);
    Sync();
  }

  ~BowGpuTrainerImpl() override {
    if (stream_) cudaStreamDestroy(stream_);
  }

  void HostWeightsChanged() override { host_changed_ = true; }

  student::EpochResult TrainEpoch(Model* model, const student::TrainingData& data, const std::vector<int32_t>& order,
                                  const student::EpochOptions& options) override {
    const auto begin = std::chrono::steady_clock::now();
    if (host_changed_) UploadValues(*model);
    const int L = config_.num_labels;
    const int64_t n = static_cast<int64_t>(order.size());
    const int64_t bs = std::max<int32_t>(1, options.batch_size);
    OrderedRows rows;
    rows.Build(data, order.data(), n, L, bs);
    UploadRows(rows);
    CheckCuda(cudaMemsetAsync(scalars_.data(), 0, 3 * sizeof(double), stream_), "reset");
    CheckCuda(cudaMemsetAsync(bad_.data(), 0, sizeof(int32_t), stream_), "reset");

    student::EpochResult result;
    int64_t step = options.step_offset, applied_rows = 0, since_check = 0;
    const bool dropout = options.word_dropout > 0.0f;
    const double keep = (1.0 - options.word_dropout) * 4294967296.0;
    const uint32_t keep_below = static_cast<uint32_t>(keep > 4294967295.0 ? 4294967295.0 : keep);
    for (int64_t b = 0, first = 0; first < n; ++b, first += bs) {
      const int count = static_cast<int>(std::min(bs, n - first));
      for (int i = 0; i < count; ++i) result.tokens += rows.length[first + i];
      const int with_target = rows.with_target[b];
      if (with_target == 0) continue;
      const int32_t* tokens = tokens_.data();
      const int32_t* length = length_.data() + first;
      if (dropout) {
        const uint64_t seed = static_cast<uint64_t>(options.seed) * 0x100000001B3ULL +
                              static_cast<uint64_t>(options.step_offset + b) * 0x9E3779B97F4A7C15ULL;
        WordDropout(tokens_.data(), start_.data() + first, length, count, seed, keep_below, kept_.data(),
                    kept_length_.data() + first, stream_);
        tokens = kept_.data();
        length = kept_length_.data() + first;
      }
      ForwardBackward(first, count, tokens, length, options.loss, 1.0f / with_target);
      const float lr = options.lr * student::ScheduleFactor(step, options.warmup_steps, options.total_steps);
      Update(lr, options.weight_decay, step + 1, options.clip_norm);
      ++step;
      ++result.steps;
      applied_rows += with_target;
      if (++since_check == kStepsBetweenChecks) {
        since_check = 0;
        if (Bad()) break;
      }
    }
    const bool bad = Bad();
    double loss_sum = 0.0;
    CheckCuda(cudaMemcpyAsync(&loss_sum, scalars_.data() + 2, sizeof(double), cudaMemcpyDeviceToHost, stream_),
              "download loss");
    DownloadValues(model);
    Sync();
    result.finite = !bad;
    result.loss = applied_rows > 0 ? loss_sum / static_cast<double>(applied_rows) : 0.0;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    return result;
  }

  double LossAndGradients(const Model& model, const student::TrainingData& data, const int32_t* row_ids, int count,
                          const student::LossOptions& options, student::State* state) override {
    UploadValues(model);
    const int L = config_.num_labels;
    OrderedRows rows;
    rows.Build(data, row_ids, count, L, std::max(count, 1));
    UploadRows(rows);
    CheckCuda(cudaMemsetAsync(scalars_.data(), 0, 3 * sizeof(double), stream_), "reset");
    state->ZeroGradients();
    const int with_target = count > 0 ? rows.with_target[0] : 0;
    if (with_target == 0) return 0.0;
    ForwardBackward(0, count, tokens_.data(), length_.data(), options, 1.0f / with_target);
    double loss_sum = 0.0;
    CheckCuda(cudaMemcpyAsync(&loss_sum, scalars_.data() + 1, sizeof(double), cudaMemcpyDeviceToHost, stream_),
              "download loss");
    for (size_t k = 0; k < dense_.size(); ++k) {
      dense_[k].grad.Download(state->grads[dense_index_[k]].data(), dense_[k].size, stream_);
    }
    int32_t touched = 0;
    CheckCuda(cudaMemcpyAsync(&touched, touched_count_.data(), sizeof(int32_t), cudaMemcpyDeviceToHost, stream_),
              "download touched");
    Sync();
    const int E = config_.embed_dim;
    std::vector<int32_t> touched_rows(touched);
    std::vector<float> grad_rows(static_cast<size_t>(touched) * E);
    touched_rows_.Download(touched_rows.data(), touched, stream_);
    Sync();
    for (int32_t k = 0; k < touched; ++k) {
      const int64_t row = touched_rows[k];
      CheckCuda(cudaMemcpyAsync(grad_rows.data() + static_cast<size_t>(k) * E, grad_.data() + row * E,
                                E * sizeof(float), cudaMemcpyDeviceToHost, stream_),
                "download gradient row");
    }
    AdamWTouchedRows(table_.data(), moments_.data(), grad_.data(), E, touched_rows_.data(), touched_count_.data(),
                     touched_flag_.data(), AdamWHyper{}, false, GateState(), stream_);
    CheckCuda(cudaMemsetAsync(touched_count_.data(), 0, sizeof(int32_t), stream_), "reset");
    Sync();
    for (int32_t k = 0; k < touched; ++k) {
      std::memcpy(state->embedding_grad.Row(touched_rows[k]), grad_rows.data() + static_cast<size_t>(k) * E,
                  E * sizeof(float));
    }
    return loss_sum / with_target;
  }

 private:
  StepGateState GateState() {
    return StepGateState{scalars_.data(), scalars_.data() + 1, scalars_.data() + 2, scale_.data(), bad_.data()};
  }

  void Sync() { CheckCuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

  bool Bad() {
    int32_t bad = 0;
    CheckCuda(cudaMemcpyAsync(&bad, bad_.data(), sizeof(int32_t), cudaMemcpyDeviceToHost, stream_), "download flag");
    Sync();
    return bad != 0;
  }

  void UploadValues(const Model& model) {
    const auto& params = model.parameters();
    table_.Upload(params[embedding_index_].value.data(), params[embedding_index_].size(), stream_);
    for (size_t k = 0; k < dense_.size(); ++k) {
      dense_[k].value.Upload(params[dense_index_[k]].value.data(), dense_[k].size, stream_);
    }
    host_changed_ = false;
  }

  void DownloadValues(Model* model) {
    auto& params = model->parameters();
    table_.Download(params[embedding_index_].value.data(), params[embedding_index_].size(), stream_);
    for (size_t k = 0; k < dense_.size(); ++k) {
      dense_[k].value.Download(params[dense_index_[k]].value.data(), dense_[k].size, stream_);
    }
  }

  void UploadRows(const OrderedRows& rows) {
    const size_t n = rows.start.size();
    tokens_.Upload(rows.tokens.data(), rows.tokens.size(), stream_);
    kept_.Reserve(rows.tokens.size());
    start_.Upload(rows.start.data(), n, stream_);
    length_.Upload(rows.length.data(), n, stream_);
    kept_length_.Reserve(n);
    labels_.Upload(rows.labels.data(), n, stream_);
    has_teacher_ = !rows.teacher.empty();
    if (has_teacher_) teacher_.Upload(rows.teacher.data(), rows.teacher.size(), stream_);
    // Host vectors are freed when this returns: finish the copies first.
    Sync();
  }

  // Forward and backward of rows [first, first + count) of the uploaded order: leaves gradients in grad_ and
  // dense_[*].grad, the summed row losses in scalars_[1] and the squared gradient norm in scalars_[0].
  void ForwardBackward(int64_t first, int count, const int32_t* tokens, const int32_t* length,
                       const student::LossOptions& loss, float weight) {
    const int E = config_.embed_dim, H = config_.hidden, L = config_.num_labels;
    bag_.Reserve(static_cast<size_t>(count) * E);
    soft_.Reserve(static_cast<size_t>(count) * E);
    hidden_.Reserve(static_cast<size_t>(count) * H);
    logits_.Reserve(static_cast<size_t>(count) * L);
    d_logits_.Reserve(static_cast<size_t>(count) * L);
    d_hidden_.Reserve(static_cast<size_t>(count) * H);
    d_soft_.Reserve(static_cast<size_t>(count) * E);
    has_target_.Reserve(count);
    const BagShape shape{E, config_.vocab_size, config_.bigram_buckets};
    const int32_t* start = start_.data() + first;
    DenseParameter &w1 = dense_[0], &b1 = dense_[1], &w2 = dense_[2], &b2 = dense_[3];

    BagForward(table_.data(), shape, tokens, start, length, count, bag_.data(), soft_.data(), stream_);
    Gemm(false, false, count, H, E, soft_.data(), E, w1.value.data(), H, false, hidden_.data(), H, stream_);
    BiasTanh(hidden_.data(), b1.value.data(), count, H, stream_);
    Gemm(false, false, count, L, H, hidden_.data(), H, w2.value.data(), L, false, logits_.data(), L, stream_);
    AddBias(logits_.data(), b2.value.data(), count, L, stream_);
    CheckCuda(cudaMemsetAsync(scalars_.data(), 0, 2 * sizeof(double), stream_), "reset");
    DistillationLoss(logits_.data(), L, count, labels_.data() + first,
                     has_teacher_ ? teacher_.data() + first * L : nullptr, loss.temperature, loss.alpha, weight,
                     d_logits_.data(), has_target_.data(), scalars_.data() + 1, stream_);

    ColumnSum(d_logits_.data(), count, L, b2.grad.data(), stream_);
    Gemm(true, false, H, L, count, hidden_.data(), H, d_logits_.data(), L, false, w2.grad.data(), L, stream_);
    Gemm(false, true, count, H, L, d_logits_.data(), L, w2.value.data(), L, false, d_hidden_.data(), H, stream_);
    TanhBackward(hidden_.data(), d_hidden_.data(), static_cast<long>(count) * H, stream_);
    ColumnSum(d_hidden_.data(), count, H, b1.grad.data(), stream_);
    Gemm(true, false, E, H, count, soft_.data(), E, d_hidden_.data(), H, false, w1.grad.data(), H, stream_);
    Gemm(false, true, count, E, H, d_hidden_.data(), H, w1.value.data(), H, false, d_soft_.data(), E, stream_);
    SoftsignBackward(bag_.data(), d_soft_.data(), static_cast<long>(count) * E, stream_);
    BagBackward(d_soft_.data(), shape, tokens, start, length, has_target_.data(), count, grad_.data(),
                touched_flag_.data(), touched_rows_.data(), touched_count_.data(), stream_);

    for (DenseParameter& p : dense_) AddSquaredNorm(p.grad.data(), p.size, scalars_.data(), stream_);
    AddTouchedRowsSquaredNorm(grad_.data(), E, touched_rows_.data(), touched_count_.data(), scalars_.data(), stream_);
  }

  void Update(float lr, float weight_decay, int64_t t, float clip_norm) {
    student::AdamWStep host(lr, weight_decay, 1.0f, t);
    AdamWHyper hyper{lr, weight_decay, host.correction1, host.correction2};
    StepGateState gate = GateState();
    StepGate(gate, clip_norm, stream_);
    for (DenseParameter& p : dense_) {
      AdamWDense(p.value.data(), p.m.data(), p.v.data(), p.grad.data(), p.size, hyper, p.decay, gate, stream_);
    }
    AdamWTouchedRows(table_.data(), moments_.data(), grad_.data(), config_.embed_dim, touched_rows_.data(),
                     touched_count_.data(), touched_flag_.data(), hyper, true, gate, stream_);
    CheckCuda(cudaMemsetAsync(touched_count_.data(), 0, sizeof(int32_t), stream_), "reset");
  }

  student::Config config_;
  cudaStream_t stream_ = nullptr;
  int embedding_index_ = -1;
  std::vector<int> dense_index_;
  bool host_changed_ = false;

  DeviceBuffer<float> table_, moments_, grad_;
  DeviceBuffer<int32_t> touched_flag_, touched_rows_, touched_count_;
  std::vector<DenseParameter> dense_;
  DeviceBuffer<double> scalars_;  // [norm2, step loss, epoch loss]
  DeviceBuffer<float> scale_;
  DeviceBuffer<int32_t> bad_;

  DeviceBuffer<int32_t> tokens_, kept_, start_, length_, kept_length_, labels_;
  DeviceBuffer<float> teacher_;
  bool has_teacher_ = false;
  DeviceBuffer<float> bag_, soft_, hidden_, logits_, d_logits_, d_hidden_, d_soft_;
  DeviceBuffer<uint8_t> has_target_;
};
}  // namespace

std::unique_ptr<BowGpuTrainer> BowGpuTrainer::Create(const student::Model& model, std::string* problem) {
  const CudaDevices& devices = ProbeCudaDevices();
  if (devices.count == 0) {
    *problem = devices.problem;
    return nullptr;
  }
  if (model.config().pair) {
    *problem = "the CUDA trainer runs one-text bow students, not two-tower pair models";
    return nullptr;
  }
  if (model.config().kind != student::Kind::kBow) {
    *problem = std::string("the CUDA trainer runs the bow student only, not ") + student::KindName(model.config().kind);
    return nullptr;
  }
  return std::make_unique<BowGpuTrainerImpl>(model);
}

}  // namespace cuda
}  // namespace ernie_slim
