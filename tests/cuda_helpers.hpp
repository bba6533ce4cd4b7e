// What the cuda tests need to know about the machine they run on.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "backends/cuda/cuda_api.hpp"

namespace foundry_test {

// NVRTC is part of the project's build machines (CI compiles every CUDA
// template); its absence is a failure, not a skip.
inline void require_nvrtc() {
  std::string why;
  ASSERT_NE(foundry::cuda::nvrtc(&why), nullptr) << "NVRTC is needed to compile CUDA templates: " << why;
}

inline bool have_gpu(std::string* why) { return foundry::cuda::driver(why) != nullptr; }

}  // namespace foundry_test
