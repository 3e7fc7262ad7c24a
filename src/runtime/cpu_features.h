// The CPU's SIMD levels, detected once per process, and the level the kernels run at: the best
// one the CPU has, or the one OCTET_ISA=ref|avx2|avx512vnni|avxvnni forces (STYLE.md, SIMD
// dispatch). Kernel families pick their functions from an Isa in select_<family>(); operators
// never name an ISA.
#pragma once

#include <string_view>
#include <vector>

namespace octet::runtime {

// Kernel levels, in the order the selection prefers them (a later one is better on x86).
// kNeonDot is reserved for an Arm build; nothing selects it yet.
enum class Isa { kRef, kAvx2, kAvxVnni, kAvx512Vnni, kNeonDot };

// "ref", "avx2", "avxvnni", "avx512vnni", "neondot".
std::string_view isa_name(Isa isa);

// What the CPU (and the OS, for the register state) supports; detected once, thread-safe.
struct CpuFeatures {
  bool avx2 = false;        // AVX2 + FMA (the avx2 kernels use both)
  bool avxvnni = false;     // AVX-VNNI (vpdpbusd on ymm) + AVX2
  bool avx512vnni = false;  // AVX-512 F/BW/VL + VNNI
};
const CpuFeatures& cpu_features();

// True when kernels of this level can run on this CPU (kRef always).
bool isa_supported(Isa isa);

// Every supported level, kRef first: what the kernel tests iterate over.
std::vector<Isa> supported_isas();

// The level kernels run at, chosen once: OCTET_ISA when set, else the best supported level for
// which octet has kernels. Throws octet::Error when OCTET_ISA names an unknown level or one this
// CPU lacks.
Isa active_isa();

// Parses an OCTET_ISA value; throws octet::Error naming the value and the accepted ones.
Isa parse_isa(std::string_view name);

}  // namespace octet::runtime
