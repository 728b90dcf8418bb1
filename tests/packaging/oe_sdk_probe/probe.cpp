// Prints what the SDK's tune flags made of this translation unit.
#include <cstdio>

int main() {
#if defined(__ARM_NEON)
    const int neon = 1;
#else
    const int neon = 0;
#endif
#if defined(__ARM_PCS_VFP)
    const int hard_float = 1;
#else
    const int hard_float = 0;
#endif
    std::printf("neon=%d hard_float=%d\n", neon, hard_float);
    return 0;
}
