#include "json_number.h"

#include <cstdint>

namespace stbf::fw {
namespace {

// Powers of ten that double holds exactly (10^22 = 5^22 * 2^22, and 5^22 < 2^53).
constexpr double kExactPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPower = 22;
constexpr uint64_t kExactMantissa = uint64_t{1} << 53;
constexpr int kMaxDigits = 19;  // a uint64_t holds any 19-digit decimal
constexpr double kLargest = 1.7976931348623157e308;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// m * 10^exponent for m below 2^64: exact powers when they suffice, else repeated scaling by
// 10^22 (each step rounds once).
double scale(uint64_t m, int exponent) {
    double value = static_cast<double>(m);
    if (m == 0) return value;
    if (exponent >= 0 && exponent <= kMaxExactPower && m < kExactMantissa) {
        return value * kExactPowers[exponent];
    }
    if (exponent < 0 && -exponent <= kMaxExactPower && m < kExactMantissa) {
        return value / kExactPowers[-exponent];
    }
    // A significand below 2^53 times a power up to 10^(22+15) is still exact when the power's
    // excess moves into the significand without leaving 2^53.
    if (exponent > kMaxExactPower && exponent <= kMaxExactPower + 15 && m < kExactMantissa) {
        const double moved = value * kExactPowers[exponent - kMaxExactPower];
        if (moved < static_cast<double>(kExactMantissa))
            return moved * kExactPowers[kMaxExactPower];
    }
    while (exponent > kMaxExactPower) {
        value *= kExactPowers[kMaxExactPower];
        exponent -= kMaxExactPower;
        if (value > kLargest) return value;  // already infinite
    }
    while (exponent < -kMaxExactPower) {
        value /= kExactPowers[kMaxExactPower];
        exponent += kMaxExactPower;
        if (value == 0) return value;
    }
    return exponent >= 0 ? value * kExactPowers[exponent] : value / kExactPowers[-exponent];
}

}  // namespace

double parse_decimal_double(const char* text, char** end) {
    const char* p = text;
    const bool negative = *p == '-';
    if (*p == '-' || *p == '+') ++p;

    uint64_t mantissa = 0;
    int significant = 0;  // digits taken into mantissa (leading zeros are not)
    int exponent = 0;     // power of ten the mantissa is scaled by
    bool any_digit = false;
    for (; is_digit(*p); ++p) {
        any_digit = true;
        if (significant < kMaxDigits) {
            mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
            if (mantissa != 0) ++significant;
        } else {
            ++exponent;  // a digit past what the mantissa holds only scales it
        }
    }
    if (*p == '.') {
        const char* fraction = p + 1;
        for (p = fraction; is_digit(*p); ++p) {
            any_digit = true;
            if (significant < kMaxDigits) {
                mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
                if (mantissa != 0) ++significant;
                --exponent;
            }
        }
    }
    if (!any_digit) {
        if (end != nullptr) *end = const_cast<char*>(text);
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        const char* q = p + 1;
        const bool exponent_negative = *q == '-';
        if (*q == '-' || *q == '+') ++q;
        if (is_digit(*q)) {
            int written = 0;
            for (; is_digit(*q); ++q) {
                if (written < 100000) written = written * 10 + (*q - '0');  // beyond: saturated
            }
            exponent += exponent_negative ? -written : written;
            p = q;
        }
    }
    if (end != nullptr) *end = const_cast<char*>(p);
    const double magnitude = scale(mantissa, exponent);
    return negative ? -magnitude : magnitude;
}

}  // namespace stbf::fw
