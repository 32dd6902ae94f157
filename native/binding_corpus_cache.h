// The token cache's reader behind a StudentCorpusCache object, for the student binding's trainCacheEpoch.
#pragma once
#include <napi.h>

#include <memory>

#include "binding_util.h"
#include "student/corpus_cache.h"

namespace ernie_slim {

// The reader of a StudentCorpusCache object; a TypeError when v is not one.
std::shared_ptr<const student::CorpusCacheReader> UnwrapCorpusCache(const Caller& c, const Napi::Value& v);

}  // namespace ernie_slim
