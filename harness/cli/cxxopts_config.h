// cxxopts as the CLI uses it, and the CLI's precompiled header (harness/CMakeLists.txt): every file
// that parses options sees the same configuration.
#pragma once

// Repeatable options are repeated, never split on commas: a --set value may be a JSON list.
#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>
