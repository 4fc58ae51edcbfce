// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <napi.h>

namespace gwa {
void tables_init(uint32_t max_vrfs);
void tables_clear();
void tables_register(Napi::Env env, Napi::Object exports);
}  // namespace gwa
