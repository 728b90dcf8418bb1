// FixedString<N>: a string of at most N bytes stored inline (no heap), always NUL-terminated.
// Assigning something longer fails with false and leaves the string unchanged, so a caller can
// report it instead of silently cutting a host name or password.
#ifndef STBF_FIXED_STRING_H
#define STBF_FIXED_STRING_H

#include <stddef.h>
#include <stdint.h>

namespace stbf {

template <size_t N>
class FixedString {
public:
    FixedString() { data_[0] = '\0'; }

    /// Copy `len` bytes from `s`. Returns false (and keeps the old value) if len > N or the
    /// text contains a NUL byte.
    bool assign(const char* s, size_t len) {
        if (len > N) return false;
        for (size_t i = 0; i < len; ++i)
            if (s[i] == '\0') return false;
        for (size_t i = 0; i < len; ++i) data_[i] = s[i];
        data_[len] = '\0';
        len_ = static_cast<uint16_t>(len);
        return true;
    }
    /// Copy a NUL-terminated string; false if longer than N.
    bool assign(const char* s) {
        size_t n = 0;
        while (s[n] != '\0') {
            if (n > N) return false;
            ++n;
        }
        return assign(s, n);
    }
    void clear() {
        data_[0] = '\0';
        len_ = 0;
    }

    const char* c_str() const { return data_; }
    size_t size() const { return len_; }
    bool empty() const { return len_ == 0; }
    static constexpr size_t capacity() { return N; }

    bool equals(const char* s, size_t len) const {
        if (len != len_) return false;
        for (size_t i = 0; i < len; ++i)
            if (data_[i] != s[i]) return false;
        return true;
    }
    template <size_t M>
    bool operator==(const FixedString<M>& o) const {
        return equals(o.c_str(), o.size());
    }
    template <size_t M>
    bool operator!=(const FixedString<M>& o) const {
        return !(*this == o);
    }

private:
    char data_[N + 1];
    uint16_t len_ = 0;
};

}  // namespace stbf

#endif  // STBF_FIXED_STRING_H
