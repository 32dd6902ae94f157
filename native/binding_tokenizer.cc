// The tokenizer's JavaScript face: argument types and workers around native/tokenizer.
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.h"
#include "binding_util.h"
#include "tokenizer/batch_encoder.h"
#include "tokenizer/line_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "util/thread_pool.h"

namespace ernie_slim {

namespace {

// Every argument error of the class names it.
Caller Tokenizer(Napi::Env env) { return {env, "NativeWordPieceTokenizer"}; }

// The longest row, special tokens included; 0 (no limit) where v is undefined or null.
size_t ReadMaxLength(const Caller& c, const Napi::Value& v) {
  return Absent(v) ? 0 : static_cast<size_t>(ReadInteger(c, v, "maxLength", 0, kMaxSafeInteger));
}

class EncodeBatchWorker : public PromiseWorker {
 public:
  EncodeBatchWorker(Napi::Env env, Napi::Object owner, const WordPieceTokenizer& tokenizer,
                    std::vector<std::string> texts, std::unique_ptr<std::vector<std::string>> pairs, size_t max_length,
                    size_t threads)
      : PromiseWorker(env, "NativeWordPieceTokenizer.encodeBatch"),
        tokenizer_(tokenizer),
        texts_(std::move(texts)),
        pairs_(std::move(pairs)),
        max_length_(max_length),
        threads_(threads) {
    Hold(owner);  // the tokenizer lives while the worker reads it
  }

 protected:
  void Run() override {
    batch_ = EncodeBatch(tokenizer_, texts_, pairs_.get(), max_length_, threads_, ThreadPool::Shared());
  }

  Napi::Value Result(Napi::Env env) override {
    const size_t size = batch_.tensor_size();
    // The three tensors share one native allocation that the ArrayBuffer owns from here on.
    const size_t bytes = batch_.bytes();
    TensorMemory memory = batch_.Release();
    auto release = [](Napi::Env, void* data, size_t* capacity) {
      ReleaseTensorMemory(data, *capacity);
      delete capacity;
    };
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, memory.data, bytes, release, new size_t(memory.capacity));
    Napi::Object out = Napi::Object::New(env);
    const char* names[3] = {"inputIds", "tokenTypeIds", "attentionMask"};
    for (size_t k = 0; k < 3; k++)
      out.Set(names[k],
              Napi::TypedArrayOf<int64_t>::New(env, size, buffer, k * size * sizeof(int64_t), napi_bigint64_array));
    out.Set("batchSize", Napi::Number::New(env, static_cast<double>(batch_.batch_size())));
    out.Set("seqLen", Napi::Number::New(env, static_cast<double>(batch_.seq_len())));
    return out;
  }

 private:
  const WordPieceTokenizer& tokenizer_;
  std::vector<std::string> texts_;
  std::unique_ptr<std::vector<std::string>> pairs_;
  size_t max_length_, threads_;
  EncodedBatch batch_;
};

class TokenizeLinesWorker : public PromiseWorker {
 public:
  TokenizeLinesWorker(Napi::Env env, Napi::Object owner, const WordPieceTokenizer& tokenizer, Napi::Buffer<char> block,
                      bool pair, size_t max_length, size_t threads)
      : PromiseWorker(env, "NativeWordPieceTokenizer.tokenizeLines"),
        tokenizer_(tokenizer),
        block_(block.Data(), block.Length()),
        pair_(pair),
        max_length_(max_length),
        threads_(threads) {
    Hold(owner);
    Hold(block);  // the input bytes live while the worker reads them
  }

 protected:
  void Run() override {
    result_ = std::make_unique<TokenizedLines>(
        TokenizeLines(tokenizer_, block_, pair_, max_length_, threads_, ThreadPool::Shared()));
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("lines", Napi::Number::New(env, static_cast<double>(result_->lines)));
    out.Set("badLine", Napi::Number::New(env, static_cast<double>(result_->bad_line)));
    out.Set("problem", Napi::String::New(env, result_->problem));
    // The output text becomes a Buffer without a copy; the string is freed with it.
    auto* text = new std::string(std::move(result_->text));
    out.Set("text",
            Napi::Buffer<char>::New(
                env, text->data(), text->size(), [](Napi::Env, char*, std::string* owned) { delete owned; }, text));
    return out;
  }

 private:
  const WordPieceTokenizer& tokenizer_;
  std::string_view block_;
  bool pair_;
  size_t max_length_, threads_;
  std::unique_ptr<TokenizedLines> result_;
};

class TokenizerWrap : public Napi::ObjectWrap<TokenizerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeWordPieceTokenizer",
                       {
                           InstanceMethod<&TokenizerWrap::Encode>("encode"),
                           InstanceMethod<&TokenizerWrap::EncodeBatchAsync>("encodeBatch"),
                           InstanceMethod<&TokenizerWrap::TokenizeLinesAsync>("tokenizeLines"),
                           InstanceMethod<&TokenizerWrap::Normalize>("normalize"),
                           InstanceMethod<&TokenizerWrap::PreTokenize>("preTokenize"),
                           InstanceMethod<&TokenizerWrap::TokenToId>("tokenToId"),
                           InstanceMethod<&TokenizerWrap::IdToToken>("idToToken"),
                           InstanceMethod<&TokenizerWrap::Info>("info"),
                       });
  }

  // new NativeWordPieceTokenizer(vocabPath, lowercase); a bad vocabulary throws an Error with code EVOCAB.
  explicit TokenizerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenizerWrap>(info) {
    const Caller c = Tokenizer(info.Env());
    std::string path = ReadString(c, info[0], "vocabPath");
    bool lowercase = info[1].IsUndefined() ? true : ReadBoolean(c, info[1], "lowercase");
    try {
      tokenizer_ = std::make_unique<WordPieceTokenizer>(Vocab::FromFile(path), lowercase);
    } catch (const VocabError& e) {
      Napi::Error error = Napi::Error::New(info.Env(), e.what());
      error.Set("code", Napi::String::New(info.Env(), "EVOCAB"));
      throw error;
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), path + ": " + e.what());
    }
  }

 private:
  // encode(text, pair?, maxLength?) -> { ids: number[], typeIds: number[] }
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    const Caller c = Tokenizer(info.Env());
    std::string text = ReadString(c, info[0], "text");
    bool has_pair = !Absent(info[1]);
    std::string pair = has_pair ? ReadString(c, info[1], "pair") : std::string();
    std::string_view pair_view = pair;
    size_t max_length = ReadMaxLength(c, info[2]);
    WordPieceTokenizer::State state;
    Encoding encoding;
    tokenizer_->Encode(text, has_pair ? &pair_view : nullptr, max_length, state, encoding);
    Napi::Env env = info.Env();
    Napi::Array ids = Napi::Array::New(env, encoding.ids.size());
    Napi::Array types = Napi::Array::New(env, encoding.ids.size());
    for (uint32_t i = 0; i < encoding.ids.size(); i++) {
      ids.Set(i, Napi::Number::New(env, encoding.ids[i]));
      types.Set(i, Napi::Number::New(env, encoding.type_ids[i]));
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("ids", ids);
    out.Set("typeIds", types);
    return out;
  }

  // encodeBatch(texts: string[], pairs: string[] | null, maxLength?, threads?) -> Promise (threads: one per
  // pool worker by default)
  Napi::Value EncodeBatchAsync(const Napi::CallbackInfo& info) {
    const Caller c = Tokenizer(info.Env());
    std::vector<std::string> texts = ReadStringArray(c, info[0], "texts");
    std::unique_ptr<std::vector<std::string>> pairs;
    if (!Absent(info[1])) {
      pairs = std::make_unique<std::vector<std::string>>(ReadStringArray(c, info[1], "pairs"));
      if (pairs->size() != texts.size()) c.FailRange("pairs must be as many as texts");
    }
    size_t max_length = ReadMaxLength(c, info[2]);
    const int threads = ReadThreads(c, info[3], static_cast<int>(ThreadPool::Shared().workers()));
    return (new EncodeBatchWorker(c.env, Value(), *tokenizer_, std::move(texts), std::move(pairs), max_length, threads))
        ->Start();
  }

  // tokenizeLines(block: Buffer, pair: boolean, maxLength?, threads?) -> Promise<{ text, lines, badLine, problem }>
  Napi::Value TokenizeLinesAsync(const Napi::CallbackInfo& info) {
    const Caller c = Tokenizer(info.Env());
    if (!info[0].IsBuffer()) c.Fail("block must be a Buffer");
    bool pair = ReadBoolean(c, info[1], "pair");
    size_t max_length = ReadMaxLength(c, info[2]);
    const int threads = ReadThreads(c, info[3], static_cast<int>(ThreadPool::Shared().workers()));
    return (new TokenizeLinesWorker(c.env, Value(), *tokenizer_, info[0].As<Napi::Buffer<char>>(), pair, max_length,
                                    threads))
        ->Start();
  }

  Napi::Value Normalize(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), tokenizer_->Normalize(ReadString(Tokenizer(info.Env()), info[0], "text")));
  }

  Napi::Value PreTokenize(const Napi::CallbackInfo& info) {
    std::vector<std::string> words = tokenizer_->PreTokenize(ReadString(Tokenizer(info.Env()), info[0], "text"));
    Napi::Array out = Napi::Array::New(info.Env(), words.size());
    for (uint32_t i = 0; i < words.size(); i++) out.Set(i, Napi::String::New(info.Env(), words[i]));
    return out;
  }

  Napi::Value TokenToId(const Napi::CallbackInfo& info) {
    int32_t id = tokenizer_->vocab().Find(ReadString(Tokenizer(info.Env()), info[0], "token"));
    return id < 0 ? info.Env().Null() : Napi::Number::New(info.Env(), id);
  }

  Napi::Value IdToToken(const Napi::CallbackInfo& info) {
    if (!info[0].IsNumber()) Tokenizer(info.Env()).Fail("id must be a number");
    int64_t id = info[0].As<Napi::Number>().Int64Value();
    if (id < 0 || id > INT32_MAX) return info.Env().Null();
    const std::string& token = tokenizer_->vocab().Token(static_cast<int32_t>(id));
    if (token.empty() && tokenizer_->vocab().Find(token) != id) return info.Env().Null();
    return Napi::String::New(info.Env(), token);
  }

  // { vocabSize, lowercase, pad, unk, cls, sep, mask } (special ids are -1 where missing)
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Vocab& vocab = tokenizer_->vocab();
    Napi::Object out = Napi::Object::New(env);
    out.Set("vocabSize", Napi::Number::New(env, static_cast<double>(vocab.size())));
    out.Set("lowercase", Napi::Boolean::New(env, tokenizer_->lowercase()));
    const SpecialTokenIds& s = vocab.special();
    out.Set("pad", Napi::Number::New(env, s.pad));
    out.Set("unk", Napi::Number::New(env, s.unk));
    out.Set("cls", Napi::Number::New(env, s.cls));
    out.Set("sep", Napi::Number::New(env, s.sep));
    out.Set("mask", Napi::Number::New(env, s.mask));
    return out;
  }

  std::unique_ptr<WordPieceTokenizer> tokenizer_;
};

}  // namespace

void RegisterTokenizerBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeWordPieceTokenizer", TokenizerWrap::Define(env));
}

}  // namespace ernie_slim
