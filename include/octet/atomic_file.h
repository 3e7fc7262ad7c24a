// Writing a file so that readers see either the old contents or the new, never a mix.
#pragma once

#include <filesystem>
#include <string_view>

namespace octet {

// Writes `bytes` to `file` through a temporary file `<dir>/.<name>.tmp-<pid>` in the same
// directory (so the rename cannot cross file systems), flushed with fsync and then renamed
// over `file`. A reader, or a crash, sees the previous file or the complete new one.
// A process killed mid-write leaves its hidden `.<name>.tmp-<pid>` behind; the next
// write_file_atomic of the same file removes such leftovers whose process no longer exists.
//
// Throws octet::Error naming `file` when the directory does not exist or is not writable,
// or when creating, writing, syncing or renaming fails; the temporary file is removed first
// and an existing `file` is left untouched.
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes);

}  // namespace octet
