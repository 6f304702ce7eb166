// SPDX-License-Identifier: GPL-2.0
// Small freestanding helpers for the core: no kernel headers, no libstdc++.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vcpcm/core.h"
#include "vcpcm/errno.h"

// Placement new: the core never allocates; callers hand it storage.
inline void *operator new(size_t, void *where) noexcept { return where; }

namespace vcpcm {

template <typename T> constexpr T min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T max(T a, T b) { return a > b ? a : b; }

inline void copy_bytes(void *dst, const void *src, size_t n) { __builtin_memcpy(dst, src, n); }
inline void fill_bytes(void *dst, int value, size_t n) { __builtin_memset(dst, value, n); }

// Construct T inside a C-declared opaque storage struct, checking it fits.
template <typename T, typename Storage> T *construct_in(Storage *storage)
{
	static_assert(sizeof(T) <= sizeof(Storage), "opaque storage too small");
	static_assert(alignof(T) <= alignof(Storage), "opaque storage misaligned");
	return new (storage) T();
}
template <typename T, typename Storage> T *object_in(Storage *storage)
{
	return reinterpret_cast<T *>(storage);
}
template <typename T, typename Storage> const T *object_in(const Storage *storage)
{
	return reinterpret_cast<const T *>(storage);
}

} // namespace vcpcm
