// Deduplication of examples on what a model sees: the normalised prompt and
// answer, never the metadata. Code is normalised with its comments removed
// and every run of whitespace folded to one space; prompts with whitespace folded.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sft/example.hpp"

namespace foundry::sft {

// Whitespace runs folded to one space, leading and trailing whitespace removed.
std::string normalise_text(const std::string& s);
// Comments (// and /* */, outside string and character literals) removed, then normalise_text.
std::string normalise_code(const std::string& s);
// SHA-256 of the normalised system message, prompt and answer.
std::string content_key(const Example& e);

// Keeps the first example of each content key, in order; `dropped` counts the
// others by source.
std::vector<Example> deduplicate(std::vector<Example> examples, std::map<std::string, int64_t>& dropped);

}  // namespace foundry::sft
