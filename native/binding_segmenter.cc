// The jieba-compatible segmenter's JavaScript face (src/data/jieba-dictionary.ts): the dictionary loads
// synchronously or on a worker thread; cut() is there for parity tests and benchmarks (the student's
// encoder uses the segmenter without making strings).
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_text.h"
#include "binding_util.h"
#include "segmenter/code_points.h"
#include "segmenter/dag_segmenter.h"
#include "segmenter/prefix_dictionary.h"

namespace ernie_slim {

namespace {

using segmenter::DagSegmenter;
using segmenter::PrefixDictionary;

const napi_type_tag kJiebaDictionaryTag = {0x6a6965626164696bULL, 0x65726e6965736c69ULL};

// Every argument error of the class names it.
Caller Dictionary(Napi::Env env) { return {env, "JiebaDictionary"}; }

class JiebaDictionaryWrap : public Napi::ObjectWrap<JiebaDictionaryWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "JiebaDictionary",
                       {
                           StaticMethod<&JiebaDictionaryWrap::Load>("load"),
                           InstanceAccessor<&JiebaDictionaryWrap::WordCount>("wordCount"),
                           InstanceMethod<&JiebaDictionaryWrap::Cut>("cut"),
                           InstanceMethod<&JiebaDictionaryWrap::CutBoundaries>("cutBoundaries"),
                       });
  }

  // new JiebaDictionary(path) reads the file here; load(path) hands over a segmenter built on a worker.
  explicit JiebaDictionaryWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JiebaDictionaryWrap>(info) {
    Napi::Env env = info.Env();
    if (info[0].IsExternal()) {
      segmenter_ = *info[0].As<Napi::External<std::shared_ptr<const DagSegmenter>>>().Data();
    } else {
      const std::string path = ReadString(Dictionary(env), info[0], "the path");
      try {
        segmenter_ = std::make_shared<const DagSegmenter>(PrefixDictionary::FromFile(path));
      } catch (const segmenter::DictionaryError& e) {
        throw Napi::Error::New(env, e.what());
      } catch (const std::bad_alloc&) {
        throw Napi::Error::New(env, "JiebaDictionary: not enough memory for the dictionary");
      }
    }
    info.This().As<Napi::Object>().TypeTag(&kJiebaDictionaryTag);
  }

  const std::shared_ptr<const DagSegmenter>& segmenter() const { return segmenter_; }

 private:
  // The dictionary's messages name its file (and line) already.
  class LoadWorker : public PromiseWorker {
   public:
    LoadWorker(Napi::Env env, Napi::Function constructor, std::string path)
        : PromiseWorker(env, "JiebaDictionary.load", false),
          constructor_(Napi::Persistent(constructor)),
          path_(std::move(path)) {}

   protected:
    void Run() override { segmenter_ = std::make_shared<const DagSegmenter>(PrefixDictionary::FromFile(path_)); }
    Napi::Value Result(Napi::Env env) override {
      auto* handle = new std::shared_ptr<const DagSegmenter>(segmenter_);
      auto external = Napi::External<std::shared_ptr<const DagSegmenter>>::New(
          env, handle, [](Napi::Env, std::shared_ptr<const DagSegmenter>* h) { delete h; });
      return constructor_.New({external});
    }

   private:
    Napi::FunctionReference constructor_;
    std::string path_;
    std::shared_ptr<const DagSegmenter> segmenter_;
  };

  static Napi::Value Load(const Napi::CallbackInfo& info) {
    const std::string path = ReadString(Dictionary(info.Env()), info[0], "the path");
    return (new LoadWorker(info.Env(), info.This().As<Napi::Function>(), path))->Start();
  }

  Napi::Value WordCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(segmenter_->dictionary().word_count()));
  }

  // Tokens as @node-rs/jieba's cut(text, false) gives them (whitespace included, lone surrogates as U+FFFD).
  void CutText(const Napi::CallbackInfo& info) {
    const size_t n = ReadUtf16(Dictionary(info.Env()), info[0], "text", &text_);
    segmenter::DecodeUtf16Lossy(text_.data(), n, &code_points_);
    tokens_.clear();
    segmenter_->Cut(code_points_.data(), code_points_.size(), &dag_, &tokens_);
  }

  Napi::Value Cut(const Napi::CallbackInfo& info) {
    CutText(info);
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, tokens_.size());
    std::u16string word;
    for (size_t t = 0; t < tokens_.size(); ++t) {
      word.clear();
      for (uint32_t i = tokens_[t].begin; i < tokens_[t].end; ++i) segmenter::AppendUtf16(code_points_[i], &word);
      out.Set(static_cast<uint32_t>(t), Napi::String::New(env, word));
    }
    return out;
  }

  // Where each token ends, in UTF-16 code units of the text (no strings made).
  Napi::Value CutBoundaries(const Napi::CallbackInfo& info) {
    CutText(info);
    Napi::Int32Array out = Napi::Int32Array::New(info.Env(), tokens_.size());
    size_t units = 0, next_char = 0;
    for (size_t t = 0; t < tokens_.size(); ++t) {
      for (; next_char < tokens_[t].end; ++next_char) units += segmenter::Utf16Length(code_points_[next_char]);
      out[t] = static_cast<int32_t>(units);
    }
    return out;
  }

  std::shared_ptr<const DagSegmenter> segmenter_;
  // cut()'s buffers, reused call after call
  std::u16string text_;
  std::vector<char32_t> code_points_;
  std::vector<segmenter::TokenSpan> tokens_;
  segmenter::DagScratch dag_;
};

}  // namespace

std::shared_ptr<const DagSegmenter> UnwrapJiebaDictionary(const Caller& c, const Napi::Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kJiebaDictionaryTag)) {
    c.Fail("dictionary must be a JiebaDictionary");
  }
  return JiebaDictionaryWrap::Unwrap(v.As<Napi::Object>())->segmenter();
}

void RegisterSegmenterBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("JiebaDictionary", JiebaDictionaryWrap::Define(env));
}

}  // namespace ernie_slim
