// cJSON's two number conversions in the size-optimised binary (STBF_SIZE_OPTIMIZED): the link
// wraps strtod and sscanf (-Wl,--wrap, firmware/daemon/CMakeLists.txt), so the calls land here
// and musl's float scanner is never linked. json_number.h says why.
//
// cJSON is the binary's only caller of either: parse_number converts with strtod, and
// print_number calls sscanf(text, "%lg", &value) to see whether 15 digits give its value back.
// That is the one format answered here; any other means a new caller the wrapping was not made
// for, and the process says so and ends rather than misread a number.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "json_number.h"

extern "C" double __wrap_strtod(const char* text, char** end) {
    return stbf::fw::parse_decimal_double(text, end);
}

extern "C" int __wrap_sscanf(const char* text, const char* format, ...) {
    if (std::strcmp(format, "%lg") != 0) {
        std::fprintf(stderr, "stbfailover: fatal: sscanf format \"%s\" is not built in\n", format);
        std::abort();
    }
    while (*text == ' ' || (*text >= '\t' && *text <= '\r')) ++text;  // as %lg skips white space
    if (*text == '\0') return EOF;
    char* end = nullptr;
    const double value = stbf::fw::parse_decimal_double(text, &end);
    if (end == text) return 0;
    va_list args;
    va_start(args, format);
    *va_arg(args, double*) = value;
    va_end(args);
    return 1;
}
