// Decimal text to double for JSON numbers, without the C library's float scanner.
//
// Why: cJSON converts numbers with strtod (and checks what it prints with sscanf "%lg"). In the
// static drop-in binary those two bring musl's whole float scanner (floatscan, vfscanf and
// their long double helpers, about 13 KB on mips32el), yet every number a config holds is a
// port, a count or a duration. The size-optimised binary routes cJSON's two calls here
// (cjson_numbers.cpp); other builds keep the C library's and test this against it.
#pragma once

namespace stbf::fw {

// Converts the longest prefix of `text` that has strtod's decimal syntax,
//   [+|-] digits [. digits] [(e|E) [+|-] digits]   (at least one digit before or after the point),
// and sets *end (when not null) just past it, or to `text` when no prefix converts (nothing is
// skipped: no leading white space, locale, hexadecimal, "inf" or "nan").
// Result: correctly rounded when the significand has at most 19 significant digits and its
// value times the power of ten is exact in double arithmetic (every integer up to 2^53, decimals
// such as 0.5 or 2.25e3); otherwise within a few units in the last place. Out of range it is
// +-infinity, or a signed zero below the smallest double, as strtod gives (no errno: the callers
// test the value).
double parse_decimal_double(const char* text, char** end);

}  // namespace stbf::fw
