// Stand-in for compiler-rt's lib/fuzzer/FuzzerDefs.h, which Debian does not ship (only the built
// libclang_rt.fuzzer_no_main archive is installed). @jazzer.js/fuzzer's utils.h includes it for
// exactly two names, declared here from libFuzzer's public driver interface.
//
// build.sh compiles @jazzer.js/fuzzer's utils.cpp with -DFuzzerDriver=StoppableFuzzerDriver, so
// that its call lands in our shim (jazzer-shim.cpp), not directly in libFuzzer: see there why.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuzzer {
// The fuzz target callback: 0 = keep going, -1 = do not add this input to the corpus.
using UserCallback = int (*)(const uint8_t *Data, size_t Size);

// libFuzzer's entry point (upstream, in libclang_rt.fuzzer_no_main; also reachable through the
// C symbol LLVMFuzzerRunDriver). Runs the fuzzing loop; upstream ends the process with exit(0)
// when the loop is over (-runs / -max_total_time reached).
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);

// True while libFuzzer is inside the fuzz target callback (declared in upstream's FuzzerDefs.h;
// libFuzzer's exit handler reports "fuzz target exited" when the process exits while it is set).
extern bool RunningUserCallback;
} // namespace fuzzer
