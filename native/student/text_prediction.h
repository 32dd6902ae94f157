// Logits straight from raw texts: each thread encodes a text (text_encoder.h) and runs the forward pass on
// its ids at once, so no id rows are stored and no text waits for the whole batch to be segmented.
#pragma once
#include <cstdint>

#include "student/model.h"
#include "student/text_encoder.h"

namespace ernie_slim {
namespace student {

// True when every id can go into the model: what StudentModel.predictRow would accept.
bool IdsFitModel(const std::vector<int32_t>& ids, const Config& config);

// logits [rows, L]; needs_reference[r] = 1 (logits left at 0) where the encoder leaves row r to the
// reference path or its ids do not fit the model.
void PredictTexts(const Model& model, const TextEncoder& encoder, const TextBatch& batch, int threads, float* logits,
                  uint8_t* needs_reference);

}  // namespace student
}  // namespace ernie_slim
