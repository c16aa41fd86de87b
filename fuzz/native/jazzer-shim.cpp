// tcg2sim's adapter between @jazzer.js/fuzzer 2.1.0's C++ sources and Debian's upstream
// libFuzzer (libclang-rt-14-dev). Our own code; no Jazzer or LLVM code is copied here.
//
// Jazzer.js normally links a fork of libFuzzer (CodeIntelligenceTesting/llvm-project-jazzer,
// downloaded from GitHub at build time). The addon relies on three things only that fork has:
//
// 1. A death callback registered through `__jazzer_set_death_callback`, stored by the addon as
//    `libfuzzer::PrintCrashingInput` and called when a JS finding is reported: it writes the
//    `crash-<sha1>` file and prints the final stats. Upstream libFuzzer registers the very same
//    callback (Fuzzer::StaticDeathCallback: dump the current unit as "crash-", print final stats)
//    through the sanitizer hook `__sanitizer_set_death_callback`, which it looks up as a weak
//    symbol. We define that symbol and store the callback where the addon expects it.
//    Nothing is lost: the crashing input is still written and printed.
//
// 2. A fuzz-target return value of -2 (`libfuzzer::RETURN_EXIT`) that makes the fork's
//    FuzzerDriver return to its caller, so that Jazzer.js can reject its promise with the JS
//    error and exit with code 77. Upstream ignores the value (release builds compile out the
//    assertion) and would keep fuzzing past the finding. StoppableFuzzerDriver wraps the
//    callback: on -2 it longjmps from the callback frame back to itself and returns, which ends
//    the loop at the same point. It also clears libFuzzer's RunningUserCallback flag, which the
//    abandoned callback frame would have cleared, so that Jazzer.js's process.exit(77) is not
//    reported a second time as "fuzz target exited". The libFuzzer frames skipped by the jump
//    are abandoned (their heap memory is never freed); the process ends right after, so that
//    costs nothing.
//
// 3. Two trace hooks that take the call site explicitly, because the "call site" of a JS
//    comparison is an id chosen by the instrumentor, not a machine address:
//    __sanitizer_cov_trace_const_cmp8_with_pc (JS integer comparisons) and
//    __sanitizer_cov_trace_pc_indir_with_pc (JS state tracing). Upstream only has the variants
//    that take the site from their own return address (__sanitizer_cov_trace_const_cmp8,
//    __sanitizer_cov_trace_pc_indir). We call those through a table of kSites small functions,
//    one per (id mod kSites), so each id bucket reaches libFuzzer from its own return address.
//    The compared values (table of recent compares, used by the CMP mutations) are recorded
//    exactly; only the value-profile features (-use_value_profile=1, off by default) see the
//    site ids folded into kSites buckets.
//
// What we lose compared with the fork: the fork's own further tweaks to libFuzzer (if any) that
// the addon does not call into; and after a normal end of fuzzing (-runs, -max_total_time)
// upstream calls exit(0) inside FuzzerDriver, so Jazzer.js's post-run steps (return-value hint,
// coverage report) do not run. Findings and exit codes are unaffected.
#include <array>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <fuzzer/FuzzerDefs.h>

#include "shared/libfuzzer.h"

extern "C" [[maybe_unused]] __attribute__((visibility("default"))) void
__sanitizer_set_death_callback(void (*callback)()) {
  libfuzzer::PrintCrashingInput = callback;
}

namespace {
thread_local std::jmp_buf gStopLoop;
thread_local fuzzer::UserCallback gTarget = nullptr;

int StoppableCallback(const uint8_t *Data, size_t Size) {
  int result = gTarget(Data, Size);
  if (result == libfuzzer::RETURN_EXIT) {
    std::longjmp(gStopLoop, 1);
  }
  // Upstream understands 0 (keep) and -1 (reject); pass anything else on as 0.
  return result == -1 ? -1 : 0;
}
} // namespace

namespace fuzzer {
int StoppableFuzzerDriver(int *argc, char ***argv, UserCallback Callback) {
  gTarget = Callback;
  if (setjmp(gStopLoop) != 0) {
    gTarget = nullptr;
    RunningUserCallback = false;
    return 0;
  }
  return FuzzerDriver(argc, argv, StoppableCallback);
}
} // namespace fuzzer

// --- 3. call-site-keyed trace hooks -------------------------------------------------------------

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t Arg1, uint64_t Arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t Callee);
}

namespace {
constexpr std::size_t kSites = 1024;
volatile std::size_t gLastSite = 0;

// One function per site bucket. The store after the call keeps the call a real call (not a tail
// jump), so libFuzzer sees a return address inside this instantiation; storing I keeps the
// bodies distinct (build.sh also passes -fno-ipa-icf so that they are never merged).
template <std::size_t I>
__attribute__((noinline)) void Cmp8At(uint64_t Arg1, uint64_t Arg2) {
  __sanitizer_cov_trace_const_cmp8(Arg1, Arg2);
  gLastSite = I;
}

template <std::size_t I> __attribute__((noinline)) void IndirAt(uintptr_t Callee) {
  __sanitizer_cov_trace_pc_indir(Callee);
  gLastSite = I;
}

using Cmp8Fn = void (*)(uint64_t, uint64_t);
using IndirFn = void (*)(uintptr_t);

template <std::size_t... I>
constexpr std::array<Cmp8Fn, kSites> Cmp8Table(std::index_sequence<I...>) {
  return {&Cmp8At<I>...};
}
template <std::size_t... I>
constexpr std::array<IndirFn, kSites> IndirTable(std::index_sequence<I...>) {
  return {&IndirAt<I>...};
}

constexpr auto kCmp8Sites = Cmp8Table(std::make_index_sequence<kSites>{});
constexpr auto kIndirSites = IndirTable(std::make_index_sequence<kSites>{});
} // namespace

extern "C" [[maybe_unused]] __attribute__((visibility("default"))) void
__sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t CalledPc, uint64_t Arg1, uint64_t Arg2) {
  kCmp8Sites[CalledPc % kSites](Arg1, Arg2);
}

extern "C" [[maybe_unused]] __attribute__((visibility("default"))) void
__sanitizer_cov_trace_pc_indir_with_pc(void *CallerPc, uintptr_t Callee) {
  kIndirSites[reinterpret_cast<uintptr_t>(CallerPc) % kSites](Callee);
}
