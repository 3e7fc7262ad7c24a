// CPUID-based detection of the SIMD levels and the process-wide kernel level (OCTET_ISA).
#include "runtime/cpu_features.h"

#include <cstdlib>

#include "octet/error.h"

namespace octet::runtime {

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvxVnni: return "avxvnni";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kNeonDot: return "neondot";
  }
  return "?";
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports reads CPUID and checks XCR0, so a level is only reported when the
    // OS also saves its registers.
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avxvnni = f.avx2 && __builtin_cpu_supports("avxvnni");
    f.avx512vnni = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#endif
    return f;
  }();
  return features;
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kRef: return true;
    case Isa::kAvx2: return f.avx2;
    case Isa::kAvxVnni: return f.avxvnni;
    case Isa::kAvx512Vnni: return f.avx512vnni;
    case Isa::kNeonDot: return false;
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kNeonDot})
    if (isa_supported(isa)) isas.push_back(isa);
  return isas;
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : {Isa::kRef, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni, Isa::kNeonDot})
    if (name == isa_name(isa)) return isa;
  fail("OCTET_ISA={}: unknown kernel level (expected ref, avx2, avxvnni or avx512vnni)", name);
}

Isa active_isa() {
  static const Isa chosen = [] {
    const char* env = std::getenv("OCTET_ISA");
    if (env != nullptr && *env != '\0') {
      const Isa forced = parse_isa(env);
      if (!isa_supported(forced))
        fail("OCTET_ISA={}: this CPU does not support that kernel level (supported: {})", env,
             [] {
               std::string s;
               for (Isa isa : supported_isas()) s += (s.empty() ? "" : ", ") + std::string(isa_name(isa));
               return s;
             }());
      return forced;
    }
    // The best level the CPU has: AVX-512 VNNI (16-lane vpdpbusd) before AVX-VNNI (8-lane)
    // before AVX2.
    for (Isa isa : {Isa::kAvx512Vnni, Isa::kAvxVnni, Isa::kAvx2})
      if (isa_supported(isa)) return isa;
    return Isa::kRef;
  }();
  return chosen;
}

}  // namespace octet::runtime
