// Tables carved out of one block of caller memory, for the components that are sized at
// start-up (Engine, Runtime) instead of at compile time.
//
// A component writes its layout once, as a function template over a "carver" that hands out
// one table after another: `t.a = carve.template take<A>(n_a); t.b = carve.template take<B>(n_b);`.
// size_for() runs that function with a TableSizer (a constant expression: it only adds up
// aligned sizes) and attach() with a TablePlacer (it constructs each entry in the caller's
// memory), so the size a caller reserves and the placement the component uses cannot drift
// apart.
//
// Freestanding: placement new only; no heap, no OS header.
#ifndef STBF_TABLE_LAYOUT_H
#define STBF_TABLE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include <new>

namespace stbf {

/// Alignment every table block needs (malloc, new and max_align_t storage have it).
constexpr size_t kTableAlign = 8;

/// `n` rounded up to a multiple of `a` (how tables follow one another in a block).
constexpr size_t align_up(size_t n, size_t a) {
    return (n + a - 1) / a * a;
}

/// Adds up the bytes of a layout; hands out no memory (every take() returns null).
class TableSizer {
  public:
    template <typename T>
    constexpr T* take(size_t count) {
        static_assert(alignof(T) <= kTableAlign, "kTableAlign must cover every table");
        at_ = align_up(at_, alignof(T)) + sizeof(T) * count;
        return nullptr;
    }
    constexpr size_t size() const { return at_; }

  private:
    size_t at_ = 0;
};

/// Places the tables of a layout in `base` (kTableAlign-aligned, at least the TableSizer's
/// size): each take() default-constructs `count` entries at the next aligned offset.
class TablePlacer {
  public:
    explicit TablePlacer(unsigned char* base) : base_(base) {}
    template <typename T>
    T* take(size_t count) {
        static_assert(alignof(T) <= kTableAlign, "kTableAlign must cover every table");
        at_ = align_up(at_, alignof(T));
        T* first = reinterpret_cast<T*>(base_ + at_);
        for (size_t i = 0; i < count; ++i) new (first + i) T();
        at_ += sizeof(T) * count;
        return first;
    }

  private:
    unsigned char* base_;
    size_t at_ = 0;
};

/// Bytes of the layout `lay_out` walks (a callable taking a TableSizer&). Constant expression.
template <typename LayOut>
constexpr size_t layout_bytes(LayOut lay_out) {
    TableSizer sizer;
    lay_out(sizer);
    return sizer.size();
}

/// A table as a range (for range-for over an attached table).
template <typename T>
struct TableSpan {
    T* first;
    size_t count;
    T* begin() const { return first; }
    T* end() const { return first + count; }
};

/// True if `memory` can hold tables (not null, aligned to kTableAlign).
inline bool table_memory_ok(const void* memory) {
    return memory != nullptr && reinterpret_cast<uintptr_t>(memory) % kTableAlign == 0;
}

}  // namespace stbf

#endif  // STBF_TABLE_LAYOUT_H
